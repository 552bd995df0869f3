#!/bin/sh
# Starts a Burnlink process, `run.sh serve` or `run.sh worker`, with the node settings they all
# share: npm start, npm run worker, the container image and compose's worker all start here.
# --max-semi-space-size=8 caps V8's young generation, which under load otherwise grows to hold
# far more memory than the server uses (docs/adr/0016). The compile cache spares each process
# Node's TypeScript stripper; the image fills its own (scripts/warm-compile-cache.ts).
# exec: node takes this process's place, so it is PID 1 in a container and gets SIGTERM itself.
set -eu
case "${1:-}" in
  serve | worker) ;;
  *) echo 'usage: run.sh serve|worker' >&2; exit 64 ;;
esac
root=$(cd "$(dirname "$0")/../.." && pwd)
export NODE_COMPILE_CACHE="${NODE_COMPILE_CACHE:-$root/node_modules/.cache/node-compile}"
exec node --max-semi-space-size=8 "$root/functions/_host/$1.ts"
