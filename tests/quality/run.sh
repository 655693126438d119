#!/usr/bin/env bash
# Glossa's quality harness (README: "Translation quality").
#
#   bash tests/quality/run.sh --test   what tests/run-all.sh runs: the harness's unit tests, every
#                                      misbehaving scripted server with its checks (the list of checks
#                                      expected to fail until merged is at the top of harness.py), and
#                                      llama-server + SmolLM2 through the whole pipeline (table only)
#   bash tests/quality/run.sh          the table for the configured model:
#       GLOSSA_QUALITY_PROVIDER=openai|ollama|anthropic|llama|scripted
#       GLOSSA_QUALITY_URL=…  GLOSSA_QUALITY_MODEL=…  GLOSSA_QUALITY_FRAME_MODEL=…  GLOSSA_QUALITY_KEY=…
#     or just ANTHROPIC_API_KEY / OPENAI_API_KEY in the environment; extra arguments go to
#     harness.py (e.g. --pairs ja:en,en-asr:ja --lines 12 --no-frames).
#
# glossa-host is $GLOSSA_HOST, else $CARGO_TARGET_DIR/debug/glossa-host (built when missing).
set -euo pipefail
source "$(dirname "$0")/../tools/env.sh"
export PYTHONDONTWRITEBYTECODE=1

# Python with Pillow (renders the frame fixtures): the venv fetch-models.sh makes.
py="$GLOSSA_CACHE/venv/bin/python"
if ! "$py" -c 'import PIL' 2>/dev/null; then
  export GLOSSA_TEST_MODELS="${GLOSSA_TEST_MODELS:-$(bash tests/tools/fetch-models.sh)}"
fi
if [ -z "${GLOSSA_HOST:-}" ] && [ ! -x "$CARGO_TARGET_DIR/debug/glossa-host" ]; then
  cargo build -q -p glossa-host --bins
fi

cd tests/quality
if [ "${1:-}" = --test ]; then
  shift
  "$py" -m unittest discover -s . -p 'test_*.py'
  "$py" harness.py --provider scripted "$@"
  if [ -n "${GLOSSA_LLAMA_SERVER:-}" ]; then
    export GLOSSA_TEST_MODELS="${GLOSSA_TEST_MODELS:-$(bash ../tools/fetch-models.sh)}"
    # A pipeline check on a small real model: it must complete and print its table; a
    # 135M model's translations are noise, so nothing is asserted about them.
    "$py" harness.py --provider llama --pairs es:en --lines 5
  else
    echo "SKIPPED: the quality harness on llama-server + SmolLM2: GLOSSA_LLAMA_SERVER is not set"
  fi
  exit 0
fi

provider="${GLOSSA_QUALITY_PROVIDER:-}"
if [ -z "$provider" ]; then
  if [ -n "${ANTHROPIC_API_KEY:-}" ]; then provider=anthropic
  elif [ -n "${OPENAI_API_KEY:-}" ]; then provider=openai
  else
    echo "quality: no model configured: set GLOSSA_QUALITY_PROVIDER (and GLOSSA_QUALITY_URL, GLOSSA_QUALITY_MODEL)," >&2
    echo "         ANTHROPIC_API_KEY or OPENAI_API_KEY; or run with --test for the scripted servers" >&2
    exit 2
  fi
fi
exec "$py" harness.py --provider "$provider" "$@"
