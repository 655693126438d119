#!/usr/bin/env bash
# Glossa's benchmarks. Each prints its numbers beside a baseline measured in the same run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export GLOSSA_CACHE="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$GLOSSA_CACHE/target}"
export CARGO_TERM_COLOR=never

step() { printf '\n=== %s\n' "$*"; }

step "subtitles: 10-minute track replayed at 1x and 2x, whole-track pipeline vs per-line requests"
# Simulated time: the build profile does not change the numbers, so reuse the test build.
cargo bench -q --profile dev -p glossa-host --bench subtitles_replay

step "native messaging: ping round trip, host vs a trivial echo process"
cargo bench -q --profile dev -p glossa-host --bench ping
