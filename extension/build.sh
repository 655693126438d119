#!/usr/bin/env bash
# Builds the loadable extension into extension/dist (load it unpacked in Chromium or
# Firefox). `--pack` also writes extension/dist-zip/glossa-{chromium,firefox}-<version>.zip.
# `--release` builds optimised wasm (the default is a debug build, faster to compile).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
pack=0
profile=debug
for arg in "$@"; do
  case "$arg" in
    --pack) pack=1 ;;
    --release) profile=release ;;
    *) echo "usage: $0 [--release] [--pack]" >&2; exit 2 ;;
  esac
done
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}/target}"

command -v wasm-bindgen >/dev/null || { echo "wasm-bindgen-cli is missing: run .ci/install-deps.sh" >&2; exit 1; }
want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' "$root/Cargo.lock")
have=$(wasm-bindgen --version | awk '{print $2}')
[ "$want" = "$have" ] || { echo "wasm-bindgen-cli $have does not match the crate ($want): run .ci/install-deps.sh" >&2; exit 1; }

flags=()
[ "$profile" = release ] && flags+=(--release)
cargo build -q -p glossa-extension --lib --target wasm32-unknown-unknown "${flags[@]}"

dist="$here/dist"
rm -rf "$dist"
mkdir -p "$dist/wasm"
wasm-bindgen --target web --no-typescript --out-dir "$dist/wasm" \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile/glossa_extension.wasm"
cp -r "$here/manifest.json" "$here/background.js" "$here/content" "$here/page" "$here/options" \
  "$here/_locales" "$here/icons" "$dist/"

if [ "$pack" = 1 ]; then
  version=$(jq -r .version "$here/manifest.json")
  out="$here/dist-zip"
  mkdir -p "$out"
  rm -f "$out"/glossa-*.zip
  # Chrome Web Store: the store assigns the key, so it is left out of the upload.
  tmp=$(mktemp -d)
  cp -r "$dist/." "$tmp/"
  jq 'del(.key) | del(.browser_specific_settings) | .background |= {service_worker, type}' "$dist/manifest.json" > "$tmp/manifest.json"
  (cd "$tmp" && zip -qr "$out/glossa-chromium-$version.zip" .)
  # addons.mozilla.org: background scripts only.
  cp "$dist/manifest.json" "$tmp/manifest.json"
  jq 'del(.key) | del(.minimum_chrome_version) | .background |= {scripts, type}' "$dist/manifest.json" > "$tmp/manifest.json"
  (cd "$tmp" && zip -qr "$out/glossa-firefox-$version.zip" .)
  rm -rf "$tmp"
  ls -1 "$out"/*.zip
fi
echo "$dist"
