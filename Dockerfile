# Burnlink's container image: production dependencies and the TypeScript sources, run by Node 24.
# Build: docker build -t burnlink .   (NODE_IMAGE lets CI build against a local stand-in base.)
ARG NODE_IMAGE=node:24-bookworm-slim

# Production dependencies only; nothing compiles the server (Node 24 strips the types at load).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# The one install script Burnlink needs: mends postgres.js's connection queue and its finished
# queries (ADR 10).
COPY scripts/patch-postgres.ts scripts/
RUN node scripts/patch-postgres.ts

# The web front-end, if the project has one, needs the dev dependencies to build.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# Optional directories are created so the final COPY never depends on what this checkout has.
RUN npm run build --if-present && mkdir -p web/dist scripts

FROM ${NODE_IMAGE}
# NODE_OPTIONS reaches every node process of the image (server, worker, gateway functions):
# --max-semi-space-size=8 bounds V8's young generation, which otherwise grows to 128 MiB under
# load: ~90 MiB less RSS at no consistent CPU cost; 4 saved no more and cost CPU (ADR 9).
# (The old generation's growing factor is the server's own setting, HEAP_GROWING_PERCENT: V8
# refuses --heap-growing-percent in NODE_OPTIONS.)
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    NODE_COMPILE_CACHE=/app/.cache/node-compile \
    NODE_OPTIONS=--max-semi-space-size=8
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/functions ./functions
COPY --from=build /app/db ./db
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/web/dist ./web/dist
# DATA_DIR holds the generated master key (when ENCRYPTION_KEY is unset) and the embedded
# database (when POSTGRES_HOST is unset); a named volume mounted here inherits this ownership.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
# Node's compile cache, filled now: processes start without loading the TypeScript stripper
# (~20 MiB less RSS each). Owned by node so that the server may refresh it.
RUN node scripts/warm-compile-cache.ts && chown -R node:node /app/.cache
USER node
EXPOSE 8080
# Slim images have no curl; Node's fetch is enough. /healthz needs no database: liveness only.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM itself; it finishes in-flight requests, closes the
# pool and exits 0 (functions/_host/start.ts). Use `node functions/_host/worker.ts` for the worker.
STOPSIGNAL SIGTERM
CMD ["node", "functions/_host/serve.ts"]
