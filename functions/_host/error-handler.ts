// One place turns any error into {statusCode, code, error, message}: 4xx explain, 5xx hide details.
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { DatabaseUnavailable, RouteNotFound, type ErrorBody } from '../_lib/platform/errors.ts'
import { logsInfo } from '../_lib/platform/log.ts'
import { JSON_CSP, SECURITY_HEADERS } from './http-hooks.ts'

// Fastify's own client errors, renamed into Burnlink's catalogue. Messages are ours: the JSON
// parser's own message quotes the body, and the body holds the secret.
const FASTIFY_ERRORS: Record<string, { code: string, message?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'REQUEST_UNSUPPORTED_MEDIA_TYPE', message: 'Send the body as application/json (a file, to POST /file, as application/octet-stream)' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'REQUEST_BODY_TOO_LARGE', message: 'The request body is larger than the server accepts' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'REQUEST_MALFORMED_JSON', message: 'The body is empty but Content-Type says application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'REQUEST_MALFORMED_JSON', message: 'The body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'REQUEST_INVALID', message: 'Content-Length does not match the body' },
  FST_ERR_CTP_INVALID_TYPE: { code: 'REQUEST_INVALID', message: 'The Content-Type header is malformed' },
  FST_ERR_BAD_URL: { code: 'REQUEST_INVALID', message: 'The URL is malformed' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'REQUEST_INVALID', message: 'The request cannot be routed' }
}

// Connection-level failures (postgres.js codes, Node socket codes, SQLSTATE classes 08/57P/53),
// and 57014: statement_timeout cancelled a statement stalled on the database — retry, not a bug.
const DATABASE_DOWN = /^(CONNECT_TIMEOUT|CONNECTION_(CLOSED|ENDED|DESTROYED)|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|08\w{3}|57P0[1-3]|53300|57014)$/

export function shapeError (err: FastifyError): { statusCode: number, body: ErrorBody, retryAfter?: number } {
  if (err.validation !== undefined) {
    return reply(400, 'REQUEST_INVALID', err.message)
  }
  const code = typeof err.code === 'string' ? err.code : ''
  if (DATABASE_DOWN.test(code)) {
    const unavailable = new DatabaseUnavailable()
    return { ...reply(503, unavailable.code, unavailable.message), retryAfter: 5 }
  }
  const known = FASTIFY_ERRORS[code]
  if (known !== undefined) {
    return reply(err.statusCode ?? 400, known.code, known.message ?? err.message)
  }
  if (err instanceof SyntaxError) {
    return reply(400, 'REQUEST_MALFORMED_JSON', 'The body is not valid JSON')
  }
  const status = err.statusCode ?? 500
  const retryAfter = (err as { retryAfter?: unknown }).retryAfter
  if (status >= 400 && status < 500 && code !== '' && !code.startsWith('FST_')) {
    return { ...reply(status, code, err.message), ...(typeof retryAfter === 'number' ? { retryAfter } : {}) }
  }
  if (status === 503 && code !== '') return { ...reply(503, code, err.message), retryAfter: 1 }
  if (status >= 400 && status < 500) return reply(status, 'REQUEST_INVALID', err.message)
  return reply(500, 'INTERNAL_ERROR', 'The server failed to handle this request; it has been logged')
}

function reply (statusCode: number, code: string, message: string): { statusCode: number, body: ErrorBody } {
  return { statusCode, body: { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message } }
}

export async function handleError (err: FastifyError, request: FastifyRequest, res: FastifyReply): Promise<ErrorBody> {
  const { statusCode, body, retryAfter } = shapeError(err)
  // A 503 is an expected state (database down, overload): one warning line, not a stack per request.
  if (statusCode === 503) request.log.warn({ code: body.code, cause: err.message }, 'service unavailable')
  else if (statusCode >= 500) request.log.error({ err }, 'request failed')
  else request.log.debug({ code: body.code }, 'request refused')
  if (retryAfter !== undefined) void res.header('retry-after', String(retryAfter))
  void res.code(statusCode)
  return body
}

/**
 * Fastify's frameworkErrors: a URL it cannot decode is refused before routing, so no hook runs.
 * Its default body quotes the path (which may hold a key) and skips our headers and request log:
 * the same shape, headers and line as every other answer, here by hand.
 */
export function handleFrameworkError (err: FastifyError, request: FastifyRequest, res: FastifyReply): void {
  const { statusCode, body } = shapeError(err)
  void res.headers(SECURITY_HEADERS).header('content-security-policy', JSON_CSP).header('x-request-id', request.id)
  void res.code(statusCode).send(body)
  if (logsInfo(request.log)) request.log.info({ method: request.method, route: '(no route)', statusCode, code: body.code }, 'request completed')
}

export async function handleNotFound (_request: FastifyRequest, res: FastifyReply): Promise<ErrorBody> {
  const notFound = new RouteNotFound()
  void res.code(404)
  return reply(404, notFound.code, notFound.message).body
}
