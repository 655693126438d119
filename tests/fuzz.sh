#!/usr/bin/env bash
# The long property/fuzz run (issue 8): every parser of untrusted input with 10^6 cases.
# Separate from tests/run-all.sh, which runs the same properties with the default count.
set -euo pipefail
source "$(dirname "$0")/tools/env.sh"
export PROPTEST_CASES="${PROPTEST_CASES:-1000000}"

step "subtitles: json3/VTT/SRT parsers and the model's {id, text} answers ($PROPTEST_CASES cases)"
cargo test -q --release -p glossa-host --test subtitles_fuzz

step "protocol: request JSON from the extension ($PROPTEST_CASES cases)"
cargo test -q --release -p glossa-protocol --test parse_fuzz

step "host: native-messaging decoder, SSE and NDJSON readers, think filter, image sniffing, GGUF header ($PROPTEST_CASES cases)"
cargo test -q --release -p glossa-host --lib -- codec:: sse:: ndjson:: think:: image:: gguf::
