# Sourced by the test, benchmark, fuzz and soak scripts: one place for the cache
# locations and the step banner. Heavy artefacts live outside the clone in $GLOSSA_CACHE.
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export GLOSSA_CACHE="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$GLOSSA_CACHE/target}"
export CARGO_TERM_COLOR=never

step() { printf '\n=== %s\n' "$*"; }
