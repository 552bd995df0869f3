// Hooks on every response: no caching, no sniffing, no referrer; one log line per request.
import type { FastifyInstance } from 'fastify'
import { logsInfo, routeOf } from '../_lib/platform/log.ts'

const NO_CACHE = 'no-cache, no-store, must-revalidate'

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': NO_CACHE,
  pragma: 'no-cache',
  expires: '0',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin'
})

/** For JSON: nothing may load, nothing may frame it. Pages (/docs, the web app) set their own. */
export const JSON_CSP = "default-src 'none'; frame-ancestors 'none'"

export function addHttpHooks (app: FastifyInstance): void {
  // Callback hooks, not async ones: an async hook costs each request a promise and its settling.
  // onRequest runs before body parsing and routing errors, so errors and 404s get these too.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(SECURITY_HEADERS)
    void reply.header('content-security-policy', JSON_CSP)
    void reply.header('x-request-id', request.id)
    done()
  })
  // onSend: @fastify/static (Swagger UI and web assets) sets its own Cache-Control; ours wins.
  // Only that header is overwritten here: the rest set in onRequest is untouched by anyone.
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('cache-control', NO_CACHE)
    done(null, payload)
  })
  app.addHook('onResponse', (request, reply, done) => {
    // The line's fields (the route pattern above all) are only gathered when it is written.
    if (logsInfo(request.log)) {
      request.log.info({ method: request.method, route: routeOf(request), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request completed')
    }
    done()
  })
}
