#!/usr/bin/env bash
# CI: the web app in a real browser: Debian's Chromium driven by playwright-core, against a real
# Burnlink host on the machine's PostgreSQL. Fails if the browser tests were skipped.
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
export PATH="$PWD/node_modules/.bin:$PATH" DEBIAN_FRONTEND=noninteractive
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
/usr/bin/chromium --version

npm run build
log=$(mktemp /tmp/burnlink-web-e2e.XXXXXX)
trap 'rm -f "$log"' EXIT
POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=5432 POSTGRES_USER=postgres \
  node --test --test-concurrency=1 test/e2e/*.test.ts 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || exit "$status"
# The tests skip themselves without Chromium; here such a skip would hide that nothing was tested.
if grep -q '/usr/bin/chromium is missing' "$log"; then echo "browser tests were skipped: no Chromium" >&2; exit 1; fi
grep -Eq '^ℹ pass [1-9]' "$log"
