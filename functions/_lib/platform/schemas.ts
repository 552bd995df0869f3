// Schemas shared by several functions: the key parameters and the error body.
import { Type, type Static } from '@sinclair/typebox'

export const SecretKeyParams = Type.Object({
  secret_key: Type.String({
    description: 'The key returned by POST /secret or POST /file (43 URL-safe characters). A malformed key is answered like an unknown one.',
    examples: ['pR8Yq1ZkN3mV0sX7cT2uW9eB4hJ6gL5aD1fK8nQ3rSw']
  })
}, { additionalProperties: false })
export type SecretKeyParams = Static<typeof SecretKeyParams>

export const RequestKeyParams = Type.Object({
  request_key: Type.String({ description: 'The request_key returned by POST /request (43 URL-safe characters)' })
}, { additionalProperties: false })

export const InboxParams = Type.Object({
  inbox_key: Type.String({ description: 'The inbox_key returned by POST /request (43 URL-safe characters)' })
}, { additionalProperties: false })

export const ErrorReply = Type.Object({
  statusCode: Type.Integer({ examples: [404] }),
  code: Type.String({ description: 'Stable, machine-readable error code', examples: ['SECRET_NOT_FOUND'] }),
  error: Type.String({ description: 'HTTP reason phrase', examples: ['Not Found'] }),
  message: Type.String({ description: 'Human-readable explanation; never echoes the secret' })
}, { $id: 'ErrorReply', additionalProperties: false, description: 'Every error has this shape.' })
export type ErrorReply = Static<typeof ErrorReply>

/** Response entries for the errors every route can produce, besides its own. */
export const commonErrors = (...statuses: Array<400 | 401 | 403 | 404 | 408 | 409 | 411 | 413 | 415 | 429 | 503>) =>
  Object.fromEntries(statuses.map((status) => [status, Type.Ref(ErrorReply, { description: ERROR_DESCRIPTIONS[status] })]))

const ERROR_DESCRIPTIONS = {
  400: 'Invalid request: wrong types, unknown fields, malformed JSON (REQUEST_INVALID, REQUEST_MALFORMED_JSON, SECRET_TTL_OUT_OF_RANGE, …)',
  401: 'Creating needs an account here (CREATORS=signed-in) and none was presented (AUTH_REQUIRED), or the API token is unknown or revoked (AUTH_TOKEN_INVALID)',
  403: 'A signed-in browser request without its CSRF token or from another site (AUTH_CSRF); or the secret has a passphrase and it was missing (SECRET_PASSPHRASE_REQUIRED) or wrong (SECRET_PASSPHRASE_WRONG)',
  404: 'No secret for this key: unknown, malformed, already revealed, deleted or expired (SECRET_NOT_FOUND)',
  408: 'The upload stalled or outlasted its time (REQUEST_TIMEOUT); nothing was stored',
  409: 'The request was already answered (REQUEST_ALREADY_ANSWERED)',
  411: 'No Content-Length header (REQUEST_LENGTH_REQUIRED)',
  413: 'Body or secret too large (REQUEST_BODY_TOO_LARGE, SECRET_TOO_LARGE)',
  415: 'Content-Type is not application/json, or application/octet-stream for a file (REQUEST_UNSUPPORTED_MEDIA_TYPE)',
  429: 'Too many requests',
  503: 'Database unavailable or server overloaded; retry later (SERVICE_DATABASE_UNAVAILABLE, SERVICE_BUSY)'
} as const
