// Logger settings: the request URL holds the secret key, so it is never logged; bodies never are.
import type { FastifyBaseLogger, FastifyRequest, FastifyServerOptions } from 'fastify'

export type LoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined | FastifyBaseLogger>

/** The route pattern (/secret/:secret_key), never the URL (/secret/<the key>). */
export function routeOf (request: FastifyRequest): string {
  return request.routeOptions.url ?? '(no route)'
}

export function loggerOptions (level: string): LoggerOptions {
  return {
    level,
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
