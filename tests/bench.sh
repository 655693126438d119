#!/usr/bin/env bash
# Glossa's benchmarks. Each prints its numbers beside a baseline measured in the same run,
# as a ratio. Heavy peers (test models, a real llama-server) are built once into
# $GLOSSA_CACHE and reused, as in tests/run-all.sh.
set -euo pipefail
source "$(dirname "$0")/tools/env.sh"

step "subtitles: 10-minute tracks replayed at 1x, 2x and 4x with a fast and a slow model, Glossa vs Read Frog, KISS Translator and per-line"
# Simulated time: the build profile does not change the numbers, so reuse the test build.
cargo bench -q --profile dev -p glossa-host --bench subtitles_replay

step "burned-in subtitles: rendered ja/zh/ko videos, lines caught, timing, calls per line vs a naive sampler, detection time"
# The detector is built optimised in the dev profile too (root Cargo.toml), so the time per
# sample is the optimised code's.
cargo bench -q --profile dev -p glossa-host --bench burnin

step "burned-in subtitles in the browser: strip sampling + detection per sample vs the 2 ms goal, against the canvas path (Chromium)"
# The extension as users get it (release wasm) and the host the browser tests use.
cargo build -q -p glossa-host --bins
bash extension/build.sh --release >/dev/null
(cd tests && node browser/bench-burnin.mjs)

step "native messaging: ping round trip, host vs a trivial echo process"
cargo bench -q --profile dev -p glossa-host --bench ping

step "frames: capture + encode of a 1080p video frame at the model's size, vs the whole frame (goal ≤ 25 ms)"
# The extension's own capture.js and keyframe.js in Chromium, the host's size answer stubbed.
node tests/browser/capture-bench.mjs

step "test models and peers"
export GLOSSA_TEST_MODELS="${GLOSSA_TEST_MODELS:-$(bash tests/tools/fetch-models.sh)}"
export GLOSSA_LLAMA_SERVER="${GLOSSA_LLAMA_SERVER:-$(bash tests/tools/build-llama-server.sh)}"

step "local provider vs llama-server (tokens/s, time to first token, idle RSS)"
# Both sides are built with the same portable CPU feature set (AVX2, FMA, F16C: what
# llama-cpp-2 builds by default and build-llama-server.sh builds), so the ratio measures the
# integration, not the kernels, and runs on any x86-64 machine with AVX2. Release profile,
# shared with host/setup.sh's build: without it the first run compiles llama.cpp optimised
# (10+ minutes on 2 cores).
# GLOSSA_NATIVE=1 builds both for this CPU instead (faster here, but such binaries may die
# with SIGILL on another machine of the same kind).
if [ "${GLOSSA_NATIVE:-0}" = 1 ]; then
  CARGO_TARGET_DIR="$GLOSSA_CACHE/target-bench-native" RUSTFLAGS="-C target-cpu=native" \
    cargo bench -q -p glossa-host --bench local_vs_llama_server
else
  cargo bench -q -p glossa-host --bench local_vs_llama_server
fi

step "providers: frame translation through glossa-host vs a direct HTTP call to the same llama-server"
# Both paths run in the same build, so the dev profile is a fair (if pessimistic) host.
cargo bench -q --profile dev -p glossa-host --bench provider_overhead
