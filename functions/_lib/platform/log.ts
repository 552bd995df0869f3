// Logger settings: the request URL holds the secret key, so it is never logged; bodies never are.
import type { FastifyBaseLogger, FastifyRequest, FastifyServerOptions } from 'fastify'
import { levels } from 'pino'

export type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined | FastifyBaseLogger>

/** The route pattern (/secret/:secret_key), never the URL (/secret/<the key>). */
export function routeOf (request: FastifyRequest): string {
  return request.routeOptions.url ?? '(no route)'
}

/** Whether `log` writes info lines (the level's own check, for Fastify's logger type). */
export function logsInfo (log: FastifyBaseLogger): boolean {
  return (levels.values[log.level] ?? Number.POSITIVE_INFINITY) <= (levels.values.info ?? 30)
}

// The request id a request's logger carries, added to its lines by the mixin below.
const REQUEST_ID = Symbol('burnlink.requestId')
type RequestLogger = FastifyBaseLogger & { [REQUEST_ID]?: string }
const NO_BINDINGS = Object.freeze({})

/**
 * Fastify's per-request child logger, with its request id kept beside the bindings instead of in
 * them. pino serializes a child's bindings when the child is made, through the redaction's
 * wildcard paths: per request, whether or not it logs anything, which is garbage on every request.
 * The id joins a line only when a line is written (the mixin).
 */
export const requestChildLogger: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options) {
  // Without options pino takes its fast path; Fastify passes {} unless a route sets a level.
  const child: RequestLogger = logger.child(NO_BINDINGS, Object.keys(options).length === 0 ? undefined : options)
  const id = bindings.reqId
  if (typeof id === 'string') child[REQUEST_ID] = id
  return child
}

export function loggerOptions (level: string): LoggerOptions {
  return {
    level,
    mixin: (_fields, _level, logger) => {
      const id = (logger as RequestLogger)[REQUEST_ID]
      // A new object each time: pino merges the line's own fields into it.
      return id === undefined ? {} : { reqId: id }
    },
    // Belt and braces: nothing Burnlink logs carries these, and nothing else may either.
    redact: {
      paths: ['secret', 'passphrase', 'secret_key', 'body', 'req.headers', 'headers', '*.secret', '*.passphrase', '*.secret_key', 'url', 'req.url'],
      censor: '[redacted]'
    },
    serializers: {
      req: (request: FastifyRequest) => ({ method: request.method, route: routeOf(request) }),
      // Only what identifies the failure: postgres.js errors can carry a query's parameters.
      err: (err: Error & { code?: string }) => ({ type: err.name, message: err.message, code: err.code, stack: err.stack ?? '' })
    }
  }
}
