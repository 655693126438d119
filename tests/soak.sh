#!/usr/bin/env bash
# Long runs kept out of the default test command: several host processes sharing one
# database for 10 minutes (GLOSSA_SOAK_SECS to change).
set -euo pipefail
cd "$(dirname "$0")/.."
export GLOSSA_CACHE="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$GLOSSA_CACHE/target}"
export GLOSSA_SOAK_SECS="${GLOSSA_SOAK_SECS:-600}"
cargo test -p glossa-host --test settings_concurrency -- --nocapture
