#!/usr/bin/env bash
# The long property/fuzz run (issue 8): every parser of untrusted input with 10^6 cases.
# Separate from tests/run-all.sh, which runs the same properties with the default count.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export GLOSSA_CACHE="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$GLOSSA_CACHE/target}"
export CARGO_TERM_COLOR=never
export PROPTEST_CASES="${PROPTEST_CASES:-1000000}"

step() { printf '\n=== %s\n' "$*"; }

step "subtitles: json3/VTT/SRT parsers and the model's {id, text} answers ($PROPTEST_CASES cases)"
cargo test -q --release -p glossa-host --test subtitles_fuzz
