#!/bin/sh
# Runs once, when the compose database is first initialised (docker-entrypoint-initdb.d): the
# postgres image makes POSTGRES_USER a superuser, so the app gets a role of its own that owns its
# database and schema (migrations and pg-boss still create what they need) and nothing more.
set -eu
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v app_user="$BURNLINK_DB_USER" -v app_password="$BURNLINK_DB_PASSWORD" <<'SQL'
create role :"app_user" login nosuperuser nocreatedb nocreaterole noreplication password :'app_password';
select format('alter database %I owner to %I', current_database(), :'app_user') \gexec
alter schema public owner to :"app_user";
SQL
