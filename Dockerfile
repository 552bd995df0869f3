# Burnlink's container image: production dependencies and the TypeScript sources, run by Node 24.
# Build: docker build -t burnlink .   (NODE_IMAGE lets CI build against a local stand-in base.)
ARG NODE_IMAGE=node:24-bookworm-slim

# Production dependencies only; nothing compiles the server (Node 24 strips the types at load).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies as published, with no install scripts. The embedded PostgreSQL is a dev dependency:
# in a container, compose (or the platform) brings PostgreSQL.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The web front-end, if the project has one, needs the dev dependencies to build.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
# Optional directories are created so the final COPY never depends on what this checkout has.
RUN npm run build --if-present && mkdir -p web/dist scripts

FROM ${NODE_IMAGE}
# Node's flags are functions/_host/run.sh's, which every Burnlink process of the image starts
# through (CMD below, compose's worker); the compile cache is this image's own, filled below.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    NODE_COMPILE_CACHE=/app/.cache/node-compile
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./
COPY --from=build /app/functions ./functions
COPY --from=build /app/db ./db
COPY --from=build /app/scripts ./scripts
COPY --from=build /app/web/dist ./web/dist
# DATA_DIR holds the generated master key (when ENCRYPTION_KEY is unset); a named volume mounted
# here inherits this ownership.
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
# Node's compile cache, filled now: processes start without loading the TypeScript stripper.
# Owned by node so that the server may refresh it.
RUN node scripts/warm-compile-cache.ts && chown -R node:node /app/.cache
USER node
EXPOSE 8080
# Slim images have no curl; Node's fetch is enough. /healthz needs no database: liveness only.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form, and run.sh execs node: node is PID 1 and receives SIGTERM itself; it finishes
# in-flight requests, closes the pool and exits 0 (functions/_host/start.ts). The worker:
# `functions/_host/run.sh worker`.
STOPSIGNAL SIGTERM
CMD ["functions/_host/run.sh", "serve"]
