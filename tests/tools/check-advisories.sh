#!/usr/bin/env bash
# Checks Cargo.lock against the RustSec advisory database (vulnerable, unmaintained or
# yanked crates). The database lives on GitHub and is fetched when GitHub is reachable;
# otherwise GLOSSA_ADVISORY_DB may name a local git repository (clone or bare) of
# github.com/rustsec/advisory-db to check against offline, or the copy from an earlier run
# is used. The date of the database checked against is always printed. With no database
# at all, says so loudly and does not fail the run: this build machine reaches crates.io
# but not GitHub.
set -euo pipefail
cd "$(dirname "$0")/../.."
url="https://github.com/rustsec/advisory-db"
cache="${GLOSSA_CACHE:-$HOME/.cache/glossa-dev}/advisory-db"
# cargo-deny keeps the database under a name derived from its URL.
db="$cache/advisory-db-3157b0e258782691"
config="$cache/deny.toml"
mkdir -p "$cache"
{ printf '[advisories]\ndb-path = "%s"\ndb-urls = ["%s"]\n\n' "$cache" "$url"; cat .ci/deny.toml; } > "$config"

if timeout 30 git ls-remote -q "$url" HEAD >/dev/null 2>&1; then
  cargo deny --config "$config" fetch db
elif [ -n "${GLOSSA_ADVISORY_DB:-}" ] && git -C "$GLOSSA_ADVISORY_DB" rev-parse -q --verify HEAD >/dev/null 2>&1; then
  rm -rf "$db"
  git clone -q "$GLOSSA_ADVISORY_DB" "$db"
  git -C "$db" rev-parse HEAD > "$db/.git/FETCH_HEAD"
elif [ ! -d "$db/.git" ]; then
  echo "SKIPPED: security advisories not checked — GitHub (the RustSec database) is unreachable"
  echo "         and GLOSSA_ADVISORY_DB is not set. Run this script where GitHub is reachable."
  exit 0
fi
echo "advisory database of $(git -C "$db" log -1 --format=%cs)"
cargo deny --offline --config "$config" check advisories
