// The error catalogue: every error a client can see, with its stable code and status.
import createError from '@fastify/error'

export const SecretNotFound = createError('SECRET_NOT_FOUND', 'No secret exists for this key: it was never created, was already revealed, was deleted, or has expired', 404)
export const RequestNotFound = createError('REQUEST_NOT_FOUND', 'No open request exists for this key: it was never created, or has expired', 404)
export const RequestAnswered = createError('REQUEST_ALREADY_ANSWERED', 'This request was already answered; a request takes one answer', 409)
export const RequestAnswerInProgress = createError('REQUEST_ANSWER_IN_PROGRESS', 'Another answer to this request is being uploaded; if it does not complete, the request stays open for a new one', 409)
export const AnswerIsFile = createError('SECRET_IS_FILE', 'This answer is a file, not text: fetch it with GET /request/inbox/{inbox_key}/file (nothing was consumed)', 404)
export const AnswerIsText = createError('SECRET_IS_TEXT', 'This answer is text, not a file: reveal it with GET /request/inbox/{inbox_key} (nothing was consumed)', 404)
export const InboxNotFound = createError('REQUEST_NOT_FOUND', 'No request exists for this inbox key: it was never created, or has expired', 404)
export const AnswerNotFound = createError('SECRET_NOT_FOUND', 'No answer is waiting under this inbox key: the request is not answered yet, or its answer was already revealed, or has expired', 404)
export const NotifyUrlRefused = createError('REQUEST_NOTIFY_URL_REFUSED', '%s', 400)
export const ReceiptNotFound = createError('RECEIPT_NOT_FOUND', 'No receipt exists for this key, or the audit log no longer holds it', 404)
export const SecretTooLarge = createError('SECRET_TOO_LARGE', 'The secret is %d bytes of UTF-8; the limit is %d bytes', 413)
export const SecretIsFile = createError('SECRET_IS_FILE', 'This key holds a file, not text: fetch it with GET /file/{secret_key} (nothing was consumed)', 404)
export const SecretIsText = createError('SECRET_IS_TEXT', 'This key holds text, not a file: reveal it with GET /secret/{secret_key} (nothing was consumed)', 404)
export const FileTooLarge = createError('SECRET_TOO_LARGE', 'The file is %d bytes; the limit is %d bytes (%s, FILE_MAX_BYTES)', 413)
export const FileOverQuota = createError('SECRET_TOO_LARGE', 'The file takes %d bytes stored; this server stores at most %d bytes per client (STORAGE_QUOTA_BYTES_PER_CLIENT)', 413)
export const FileLengthRequired = createError('REQUEST_LENGTH_REQUIRED', 'Send the file with a Content-Length header: its size is checked before the upload starts', 411)
export const FileEmpty = createError('REQUEST_INVALID', 'The file is empty', 400)
export const FileIncomplete = createError('REQUEST_BODY_INCOMPLETE', 'The upload stopped before the %d bytes its Content-Length announced; nothing was stored', 400)
export const FileTransferTimeout = createError('REQUEST_TIMEOUT', 'The upload stalled or took too long; nothing was stored', 408)
export const SecretTtlOutOfRange = createError('SECRET_TTL_OUT_OF_RANGE', '%s', 400)
export const PassphraseRequired = createError('SECRET_PASSPHRASE_REQUIRED', 'This secret is protected by a passphrase: send it as {"passphrase": "..."} or in the X-Passphrase header', 403)
export const PassphraseWrong = createError('SECRET_PASSPHRASE_WRONG', 'The passphrase does not match; the secret was not deleted', 403)
export const PassphraseConflict = createError('REQUEST_PASSPHRASE_CONFLICT', 'The X-Passphrase header and the body\'s passphrase differ; send one of them', 400)
export const PassphraseInUrl = createError('REQUEST_PASSPHRASE_IN_URL', 'Send the passphrase as {"passphrase": "..."} in the body or in the X-Passphrase header, never in the URL: URLs end up in proxy and server logs', 400)
export const BodyNotUtf8 = createError('REQUEST_MALFORMED_JSON', 'The body is not valid UTF-8; send JSON as UTF-8', 400)
export const SecretKeyMissingPassphrase = createError('REQUEST_INVALID', 'reveal_requires_passphrase needs a passphrase', 400)

/** An error class whose instances carry the Retry-After (seconds) that the error handler sends. */
function withRetryAfter (code: string, message: string, statusCode: number) {
  const Base = createError<[number]>(code, message, statusCode)
  return class extends Base {
    readonly retryAfter: number
    constructor (seconds: number) {
      super(seconds)
      this.retryAfter = seconds
    }
  }
}

export const PassphraseLocked = withRetryAfter('SECRET_PASSPHRASE_LOCKED', 'Too many wrong passphrases for this secret; retry in %d seconds (the secret is unharmed)', 429)
export const StorageQuotaExceeded = withRetryAfter('STORAGE_QUOTA_EXCEEDED', 'This address has stored as many bytes of secrets as it may for now; retry in %d seconds', 429)
export const RateLimited = withRetryAfter('REQUEST_RATE_LIMITED', 'Too many requests from this address; retry in %d seconds', 429)

export const RouteNotFound = createError('ROUTE_NOT_FOUND', 'There is no such endpoint; see /docs for the API', 404)
export const ServiceBusy = createError('SERVICE_BUSY', 'The server is busy; retry shortly', 503)
export const DatabaseUnavailable = createError('SERVICE_DATABASE_UNAVAILABLE', 'The database is unavailable; retry shortly', 503)

export interface ErrorBody {
  statusCode: number
  code: string
  error: string
  message: string
}

export const AuthRequired = createError('AUTH_REQUIRED', 'Creating needs an account on this server: sign in, or send Authorization: Bearer <API token>', 401)
export const AuthTokenInvalid = createError('AUTH_TOKEN_INVALID', 'The API token is unknown or revoked', 401)
export const AuthCsrf = createError('AUTH_CSRF', 'A signed-in browser request must come from this site and carry its X-CSRF-Token header', 403)
export const SignInRefused = createError('AUTH_SIGN_IN_REFUSED', '%s', 403)
