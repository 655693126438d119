#!/usr/bin/env bash
# Proves the README's two commands from nothing: clones main into a temporary directory and
# runs `bash host/setup.sh` then `bash tests/run-all.sh` there, with an empty GLOSSA_CACHE
# and CARGO_TARGET_DIR (everything built from scratch: llama.cpp twice, llama-server, the
# test models, the browsers' videos) and a temporary HOME (so the host, its manifests, its
# database and the pip/npm caches start empty too; the Rust toolchain and system packages
# are the machine's). Prints each command's time and result; exit status 0 only when both
# are green.
#
#   bash tests/tools/fresh-clone-check.sh [--rev REV] [--keep]
#
# --rev: what to clone (default: main). --keep: keep the temporary directory (its logs and
# caches) even when both commands pass. Takes about an hour on 2 cores.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
rev=main
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rev) rev="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--rev REV] [--keep]" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/glossa-fresh.XXXXXX")"
clone="$work/glossa"
git clone -q "$repo" "$clone"
git -C "$clone" checkout -q "$rev"
echo "fresh-clone-check: $(git -C "$clone" log -1 --format='%h %s' | cut -c1-100)"
echo "fresh-clone-check: working in $work"

run_fresh() {
  # A new user's environment: empty caches and home; the machine's toolchain and PATH.
  env -u GLOSSA_TEST_MODELS -u GLOSSA_LLAMA_SERVER -u GLOSSA_DATA_DIR -u GLOSSA_NATIVE -u RUSTFLAGS \
      HOME="$work/home" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
      GLOSSA_CACHE="$work/cache" CARGO_TARGET_DIR="$work/cache/target" \
      bash -c "cd '$clone' && $1"
}
mkdir -p "$work/home" "$work/cache"

status=0
summary=()
for cmd in "bash host/setup.sh" "bash tests/run-all.sh"; do
  log="$work/$(echo "$cmd" | tr -c 'a-z0-9\n' '-').log"
  echo "fresh-clone-check: running \`$cmd\` (log: $log)"
  start=$(date +%s)
  rc=0
  run_fresh "$cmd" >"$log" 2>&1 || rc=$?
  secs=$(( $(date +%s) - start ))
  took="$((secs / 60)) min $((secs % 60)) s"
  if [ "$rc" -eq 0 ]; then
    summary+=("GREEN  $cmd  ($took)")
  else
    summary+=("FAILED $cmd  ($took, exit $rc; log: $log)")
    echo "--- last lines of $log:"; tail -n 40 "$log"
    status=1
    break
  fi
done

echo
echo "fresh-clone-check on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs):"
printf '  %s\n' "${summary[@]}"
if [ "$status" -eq 0 ] && [ "$keep" -eq 0 ]; then
  rm -rf "$work"
else
  echo "kept: $work"
fi
exit "$status"
