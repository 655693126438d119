#!/usr/bin/env bash
# One command from a fresh Debian machine to a working Glossa:
#   1. installs the build dependencies (apt, wasm target, wasm-bindgen-cli, npm modules),
#   2. builds glossa-host (release) and the extension (extension/dist),
#   3. installs glossa-host into ~/.local/bin and registers it with every browser,
#   4. puts a small local model in place for the built-in backend (the default provider),
#   5. runs the main job: a translation on the built-in local backend, on this machine.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export GLOSSA_CACHE="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$GLOSSA_CACHE/target}"
profile="${GLOSSA_PROFILE:-release}"
bin_dir="${GLOSSA_BIN_DIR:-$HOME/.local/bin}"

say() { printf '\n==> %s\n' "$*"; }

say "Installing build dependencies"
bash .ci/install-deps.sh

say "Building glossa-host ($profile; the first build compiles llama.cpp, about 10 minutes)"
cargo build --profile "$profile" -p glossa-host --bin glossa-host
out_dir="$CARGO_TARGET_DIR/$([ "$profile" = dev ] && echo debug || echo "$profile")"
mkdir -p "$bin_dir"
install -m 0755 "$out_dir/glossa-host" "$bin_dir/glossa-host"
host="$bin_dir/glossa-host"

say "Building the extension"
bash extension/build.sh

say "Registering the host with the browsers"
"$host" install

say "Installing the data for readings (furigana from IPADIC, pinyin from pypinyin's tables) and the dictionaries (JMdict, CC-CEDICT)"
reading_src="$(bash tests/tools/fetch-reading-data.sh)"
# The host compiles the Japanese dictionary once (ja-ipadic.dic); only that and the pinyin
# tables are installed (about 31 MB), loaded the first time a line's reading is shown.
GLOSSA_READING_DATA="$reading_src" "$host" reading 日本 --lang ja >/dev/null
reading_dest="${GLOSSA_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/glossa}/reading"
mkdir -p "$reading_dest"
cp -r "$reading_src/zh" "$reading_src/ja-ipadic.dic" "$reading_dest/"
cp "$reading_src/ipadic/COPYING" "$reading_dest/IPADIC-COPYING"
# The dictionaries for a word's meaning (JMdict, CC-CEDICT, CC BY-SA 4.0): compiled once
# into indexed files (about 50 MB), opened the first time a word is looked up.
GLOSSA_READING_DATA="$reading_src" "$host" define 日本 --lang ja >/dev/null
GLOSSA_READING_DATA="$reading_src" "$host" define 中国 --lang zh >/dev/null
mkdir -p "$reading_dest/dict"
cp "$reading_src"/dict/*.sqlite "$reading_src"/dict/*-LICENSE.* "$reading_dest/dict/"

say "Fetching the tiny demo model"
models="$(bash tests/tools/fetch-models.sh)"

# The demo runs in a scratch data dir: the user's own settings keep the real default (one
# vision model for frames and subtitles, which the options page offers to download).
say "Translating with the built-in local model and the demo model (streamed as it is written)"
demo_data="$(mktemp -d)"
GLOSSA_DATA_DIR="$demo_data" "$host" settings set local.subtitle_model "$models/SmolLM2-135M-Instruct.Q4_1.gguf" >/dev/null
GLOSSA_DATA_DIR="$demo_data" "$host" translate-text "Hello everyone, and welcome to the channel. Today we are cooking a Spanish omelette." --to fr
rm -rf "$demo_data"

cat <<MSG

Glossa is ready.
  - Load the extension: chrome://extensions → Developer mode → Load unpacked → $root/extension/dist
    (Firefox: about:debugging → This Firefox → Load Temporary Add-on → extension/dist/manifest.json)
  - Open a YouTube video and press the Glossa button in the player (or Alt+T).
  - The options page opens once the extension is loaded: it finds Ollama, an OpenAI-compatible
    server or an Anthropic key, or downloads the default model (gemma-3-4b, 3.3 GB, reads
    images; used for frames and subtitles). From a terminal: glossa-host model pull gemma-3-4b
  - Then translate a subtitle file: glossa-host translate-subs tests/fixtures/demo.es.vtt --to en
MSG
