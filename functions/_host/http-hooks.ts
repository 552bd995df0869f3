// Hooks on every response: no caching, no sniffing, no referrer; one log line per request.
import type { FastifyInstance } from 'fastify'
import { routeOf } from '../_lib/log.ts'

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
  // onRequest runs before body parsing and routing errors, so errors and 404s get these too.
  app.addHook('onRequest', async (request, reply) => {
    void reply.headers(SECURITY_HEADERS)
    void reply.header('content-security-policy', JSON_CSP)
    void reply.header('x-request-id', request.id)
  })
  // onSend: @fastify/static (Swagger UI and web assets) sets its own Cache-Control; ours wins.
  // Only that header is overwritten here: the rest set in onRequest is untouched by anyone.
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.header('cache-control', NO_CACHE)
    return payload
  })
  app.addHook('onResponse', async (request, reply) => {
    request.log.info({ method: request.method, route: routeOf(request), statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request completed')
  })
}
