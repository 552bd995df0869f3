#!/usr/bin/env bash
# Runs one administration query, db/admin/NAME.sql, with psql against Burnlink's database.
#
#   scripts/psql.sh                               lists the queries (also --help)
#   scripts/psql.sh usage-per-day -v days=7       extra arguments go to psql
#
# Connects like Burnlink does: POSTGRES_HOST, POSTGRES_PORT (5432), POSTGRES_DB (burnlink),
# POSTGRES_USER (postgres), POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE. Where one is unset, the
# standard PGHOST/PGPORT/… variables apply. With neither host variable, it connects to the
# embedded PostgreSQL of a running Burnlink in DATA_DIR (./data of the checkout by default)
# through its socket, with the generated password; failing that, psql uses its local socket.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
admin_dir="$root/db/admin"

list_queries () {
  echo "usage: $(basename "$0") NAME [psql arguments]"
  echo "queries in db/admin/:"
  for file in "$admin_dir"/*.sql; do
    # The first line of each file is a comment saying what it shows.
    printf '  %-24s %s\n' "$(basename "$file" .sql)" "$(head -n 1 "$file" | sed 's/^-- *//')"
  done
}

if [ $# -eq 0 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  list_queries
  exit 0
fi

name="${1%.sql}"
shift
file="$admin_dir/$name.sql"
if [ ! -f "$file" ]; then
  echo "no such query: $name" >&2
  list_queries >&2
  exit 64 # EX_USAGE
fi

[ -n "${POSTGRES_HOST:-}" ] && export PGHOST="$POSTGRES_HOST"
data_dir="${DATA_DIR:-$root/data}"
if [ -z "${PGHOST:-}" ] && [ -S "$data_dir/postgres-socket/.s.PGSQL.5432" ]; then
  # The embedded cluster (functions/_lib/platform/embedded.ts): its socket, role and password.
  PGHOST="$(cd "$data_dir" && pwd)/postgres-socket"
  PGPASSWORD="$(tr -d '\r\n' < "$data_dir/postgres.password")"
  export PGHOST PGPASSWORD PGPORT=5432 PGUSER=postgres
fi
export PGPORT="${POSTGRES_PORT:-${PGPORT:-5432}}"
export PGDATABASE="${POSTGRES_DB:-${PGDATABASE:-burnlink}}"
export PGUSER="${POSTGRES_USER:-${PGUSER:-postgres}}"
if [ -n "${POSTGRES_PASSWORD:-}" ]; then
  export PGPASSWORD="$POSTGRES_PASSWORD"
elif [ -n "${POSTGRES_PASSWORD_FILE:-}" ]; then
  PGPASSWORD="$(tr -d '\r\n' < "$POSTGRES_PASSWORD_FILE")"
  export PGPASSWORD
fi

# -X: no ~/.psqlrc, so the output looks the same for everyone; stop at the first error.
exec psql -X -v ON_ERROR_STOP=1 -f "$file" "$@"
