#!/usr/bin/env bash
# Checks Cargo.lock against the RustSec advisory database (vulnerable, unmaintained or
# yanked crates). The database lives on GitHub: fetched when reachable; otherwise
# GLOSSA_ADVISORY_DB may name a local git repository (clone or bare) of github.com/rustsec/advisory-db to check
# against offline. With neither, says so loudly and does not fail the run: this build
# machine reaches crates.io but not GitHub.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}/advisory-db"
config="$cache/deny.toml"
mkdir -p "$cache"
# Our deny.toml plus where the database lives.
{ printf '[advisories]\ndb-path = "%s"\ndb-urls = ["https://github.com/rustsec/advisory-db"]\n\n' "$cache"; cat .ci/deny.toml; } > "$config"

if timeout 120 cargo deny --config "$config" fetch db >/dev/null 2>&1; then
  cargo deny --config "$config" check advisories
  exit
fi
if [ -n "${GLOSSA_ADVISORY_DB:-}" ] && git -C "$GLOSSA_ADVISORY_DB" rev-parse -q --verify HEAD >/dev/null 2>&1; then
  # cargo-deny looks for the database under a name derived from its URL.
  local_db="$cache/advisory-db-3157b0e258782691"
  rm -rf "$local_db"
  git clone -q "$GLOSSA_ADVISORY_DB" "$local_db"
  git -C "$local_db" rev-parse HEAD > "$local_db/.git/FETCH_HEAD"
  echo "advisory database: local copy from $(git -C "$local_db" log -1 --format=%cs) ($GLOSSA_ADVISORY_DB)"
  cargo deny --offline --config "$config" check advisories
  exit
fi
echo "SKIPPED: security advisories not checked — GitHub (the RustSec database) is unreachable"
echo "         and GLOSSA_ADVISORY_DB is not set. Run this script where GitHub is reachable."
