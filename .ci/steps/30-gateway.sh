#!/usr/bin/env bash
# CI: the gateway deployment on this machine: every function process and the worker started
# separately, real nginx in front with the repo's config, the API flow through it, logs key-free.
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
source .ci/lib/api-flow.sh
export PATH="$PWD/node_modules/.bin:$PATH" DEBIAN_FRONTEND=noninteractive
need=()
command -v nginx >/dev/null || need+=(nginx)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; fi
nginx -v

work=$(mktemp -d /tmp/burnlink-gateway.XXXXXX)
db="burnlink_gateway_$$_$RANDOM"
pids=()
cleanup () {
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres -qc "create database $db"

free_port () { node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })"; }
# The functions start in the background, so a port handed out and released a moment ago is still
# free when the next one is asked for, and the kernel may hand it out again: two functions on one
# port, the second exits (EADDRINUSE) and its routes answer from the first (seen once in CI).
# next_port never gives the same port twice; it sets REPLY, since a $(...) subshell would forget.
declare -A taken
next_port () {
  local p
  while :; do p=$(free_port); [ -z "${taken[$p]:-}" ] && break; done
  taken[$p]=1
  REPLY=$p
}
wait_ready () {
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return 0; sleep 0.5; done
  echo "FAIL: nothing ready on port $1" >&2; tail -20 "$work"/*.log >&2; return 1
}

# As in docker-compose.yml: one DATA_DIR shared by all (the worker, started first, generates the
# master key there), RUN_WORKER=false and TRUST_PROXY=1 for the functions behind the gateway.
export POSTGRES_HOST=127.0.0.1 POSTGRES_PORT=5432 POSTGRES_USER=postgres POSTGRES_DB="$db" HOST=127.0.0.1 DATA_DIR="$work/data"
# Every deployable function from the registry: a new one must get its process, upstream and route.
mapfile -t functions < <(node -e "import('./functions/index.ts').then(({ ALL_FUNCTIONS }) => { for (const fn of ALL_FUNCTIONS) if (fn.name !== 'health') console.log(fn.name) })")
declare -A port
next_port; port[worker]=$REPLY
PORT=${port[worker]} functions/_host/run.sh worker >"$work/worker.log" 2>&1 &
pids+=($!)
wait_ready "${port[worker]}"
for fn in "${functions[@]}"; do
  next_port; port[$fn]=$REPLY
  PORT=${port[$fn]} FUNCTIONS=$fn RUN_WORKER=false TRUST_PROXY=1 functions/_host/run.sh serve >"$work/$fn.log" 2>&1 &
  pids+=($!)
done
for fn in "${functions[@]}"; do wait_ready "${port[$fn]}"; done
# A function that exited at start (a port taken, say) must not pass for ready behind another.
for pid in "${pids[@]}"; do
  kill -0 "$pid" 2>/dev/null || { echo "FAIL: a server exited at start" >&2; tail -20 "$work"/*.log >&2; exit 1; }
done
echo "worker and functions ready: $(for k in "${!port[@]}"; do printf '%s=:%s ' "$k" "${port[$k]}"; done)"

# The repo's config with only the addresses and paths of this machine substituted.
mkdir -p "$work/nginx"
next_port; gateway_port=$REPLY
upstreams=()
for fn in "${functions[@]}"; do upstreams+=(-e "s|server $fn:8080;|server 127.0.0.1:${port[$fn]};|"); done
sed "${upstreams[@]}" \
    -e "s|listen 8080;|listen 127.0.0.1:$gateway_port;|" \
    -e "s|/var/log/nginx/|$work/nginx/|g" \
    -e "s|pid /tmp/nginx.pid;|pid $work/nginx/nginx.pid;|" \
    functions/_host/nginx.conf >"$work/nginx/nginx.conf"
! grep -nE ':8080;|/var/log/|/tmp/nginx' "$work/nginx/nginx.conf" ||
  { echo "FAIL: the repo's nginx.conf changed shape; update the substitutions above" >&2; exit 1; }
nginx -t -q -p "$work/nginx" -c "$work/nginx/nginx.conf"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"
for _ in $(seq 20); do [ -s "$work/nginx/nginx.pid" ] && break; sleep 0.2; done
base="http://127.0.0.1:$gateway_port"

echo "--- the API through nginx"
api_flow "$base"
key=$(expect 201 POST "$base/secret" '{"secret":"HEAD stays away"}' | jq -er .secret_key)
[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$base/secret/$key")" = 405 ] || { echo "FAIL: HEAD on a key is not refused by the gateway" >&2; exit 1; }
[ "$(expect 405 PUT "$base/secret/$key" | jq -er .code)" = REQUEST_METHOD_NOT_ALLOWED ]
[ "$(expect 200 GET "$base/secret/$key" | jq -er .secret)" = 'HEAD stays away' ]
FLOW_KEYS="$FLOW_KEYS $key"
expect 200 GET "$base/openapi.json" | jq -e '.paths["/secret/{secret_key}"].get' >/dev/null
curl -sf -o /dev/null "$base/docs/"
[ "$(expect 200 GET "$base/readyz" | jq -er .status)" = ready ]
[ "$(expect 404 GET "$base/metrics" | jq -er .code)" = ROUTE_NOT_FOUND ]
# The status check and the creator's receipt, each through its own function.
created=$(expect 201 POST "$base/secret" '{"secret":"with a receipt"}')
key=$(jq -er .secret_key <<<"$created"); receipt=$(jq -er .receipt_key <<<"$created")
[ "$(expect 200 GET "$base/secret/$key/status" | jq -er .status)" = waiting ]
[ "$(curl -s -o /dev/null -w '%{http_code}' -I "$base/secret/$key/status")" = 200 ]
[ "$(expect 200 GET "$base/receipt/$receipt" | jq -er .status)" = waiting ]
expect 200 GET "$base/secret/$key" >/dev/null
[ "$(expect 200 GET "$base/receipt/$receipt" | jq -er .status)" = revealed ]
expect 404 GET "$base/secret/$key/status" >/dev/null
expect 405 POST "$base/receipt/$receipt" '{}' >/dev/null
FLOW_KEYS="$FLOW_KEYS $key $receipt"
echo "status and receipt: waiting, then revealed; 404 status after the reveal"
if [ -e web/dist/create.en.html ]; then
  # The reveal page's URL carries a key: it is served (and logged as a pattern), nothing consumed.
  page_key=$(expect 201 POST "$base/secret" '{"secret":"page"}' | jq -er .secret_key)
  # (Captured first: `curl | grep -q` fails under pipefail when grep stops reading early.)
  page=$(curl -sf "$base/"); grep -qi '<html' <<<"$page"
  page=$(curl -sf "$base/s/$page_key"); grep -qi '<html' <<<"$page"
  [ "$(expect 200 GET "$base/secret/$page_key" | jq -er .secret)" = page ]
  FLOW_KEYS="$FLOW_KEYS $page_key"
  echo "web pages / and /s/{key} served through the gateway"
fi
echo "405 for HEAD/PUT on a key, 404 for /metrics, /docs, /openapi.json and /readyz routed"

echo "--- each request reached the function it belongs to"
grep -q '"route":"/secret/:secret_key"' "$work/read-secret.log"
! grep -q '"method":"HEAD"' "$work/read-secret.log" || { echo "FAIL: a HEAD reached read-secret" >&2; exit 1; }
grep -q '"method":"DELETE"' "$work/delete-secret.log"
! grep -q '"method":"DELETE"' "$work/read-secret.log" "$work/create-secret.log"
grep -q '"method":"POST","route":"/secret"' "$work/create-secret.log"
grep -q '"route":"/secret/:secret_key/status"' "$work/secret-status.log"
grep -q '"route":"/receipt/:receipt_key"' "$work/read-receipt.log"
echo "POST -> create-secret, GET -> read-secret, DELETE -> delete-secret, status and receipt to theirs"

echo "--- client address: the gateway's X-Forwarded-For, not the client's forged one"
ips=$(psql -h 127.0.0.1 -U postgres -d "$db" -Atc "select distinct host(client_ip) from audit_log")
[ "$ips" = 127.0.0.1 ] || { echo "FAIL: audit_log client_ip is '$ips', expected 127.0.0.1" >&2; exit 1; }
echo "audit_log records 127.0.0.1 (the forged 203.0.113.99 was ignored)"

echo "--- no secret key in any log"
kill -QUIT "$(cat "$work/nginx/nginx.pid")"; sleep 0.5   # flush and close the logs
for key in $FLOW_KEYS; do
  if grep -rlF -e "$key" "$work/nginx" "$work"/*.log; then echo "FAIL: a log holds a secret key" >&2; exit 1; fi
done
lines=$(wc -l <"$work/nginx/access.log")
[ "$lines" -ge 12 ] || { echo "FAIL: nginx logged only $lines requests" >&2; exit 1; }
grep -q '"route":"/secret/{secret_key}"' "$work/nginx/access.log"
echo "nginx access log: $lines requests, none with a key; a line reads:"
grep '"method":"GET","route":"/secret/{secret_key}"' "$work/nginx/access.log" | head -n1
