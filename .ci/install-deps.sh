#!/usr/bin/env bash
# Installs every system package, toolchain piece and npm module the build and tests need.
# Idempotent: safe to run on every CI run and by hand.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"

apt_pkgs=(cmake libclang-dev pkg-config ninja-build chromium firefox-esr ffmpeg openssl
          fonts-noto-cjk fonts-dejavu-core unzip zip curl jq python3-venv xvfb xdotool)
missing=()
for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
if [ -f "$here/Cargo.lock" ]; then
  want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$here/Cargo.lock")
  if [ -n "$want" ]; then
    have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
    # --locked can name a dependency version the registry mirror lacks; then resolve afresh.
    [ "$have" = "$want" ] || cargo install -q --locked wasm-bindgen-cli --version "$want" \
      || cargo install -q wasm-bindgen-cli --version "$want"
  fi
fi

# Licence and source checks of the dependency graph (tests/run-all.sh runs it).
command -v cargo-deny >/dev/null || cargo install -q --locked cargo-deny

if [ -f "$here/tests/package.json" ]; then
  (cd "$here/tests" && { [ -d node_modules ] && npm ls >/dev/null 2>&1 || npm ci --no-audit --no-fund -q; })
fi
