#!/usr/bin/env bash
# Long runs kept out of the default test command: several host processes sharing one
# database for 10 minutes (GLOSSA_SOAK_SECS to change).
set -euo pipefail
source "$(dirname "$0")/tools/env.sh"
export GLOSSA_SOAK_SECS="${GLOSSA_SOAK_SECS:-600}"
cargo test -p glossa-host --test settings_concurrency -- --nocapture
