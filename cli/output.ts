// How the CLI answers: the result alone on standard output, one line per message on standard error,
// and an exit code a script can act on.
import { ApiError, NETWORK_ERROR } from '../web/src/api.ts'

/** Documented in docs/cli.md; a script may rely on them. */
export const EXIT = {
  OK: 0,
  /** Network, server or local file trouble. */
  FAILED: 1,
  /** A mistake in the command line (unknown option, missing server, malformed link). */
  USAGE: 2,
  /** The secret does not exist: already read, deleted, expired, or never made. */
  NOT_FOUND: 3,
  /** A passphrase is needed, is wrong, or was tried too often. */
  PASSPHRASE: 4,
  /** The secret or file is over the server's limit. */
  TOO_LARGE: 5,
  /** Received but not decryptable (the link's key is wrong or damaged): it is gone from the server. */
  UNREADABLE: 6,
  /** The output file exists and --force was not given. */
  EXISTS: 7
} as const

/** An expected failure: its message is printed as one line, without a stack trace. */
export class CliError extends Error {
  readonly exitCode: number

  constructor (message: string, exitCode: number) {
    super(message)
    this.exitCode = exitCode
  }
}

export function say (message: string): void {
  process.stderr.write(`burnlink: ${message}\n`)
}

/** "20 MiB (20,971,520 bytes)": the unit a person reads, and the exact figure. */
export function formatBytes (bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} byte${bytes === 1 ? '' : 's'}`
  if (bytes < 1024) return exact
  const [value, unit] = bytes < 1024 ** 2 ? [bytes / 1024, 'KiB'] : bytes < 1024 ** 3 ? [bytes / 1024 ** 2, 'MiB'] : [bytes / 1024 ** 3, 'GiB']
  return `${Number(value.toFixed(1))} ${unit} (${exact})`
}

/** The create's notify_secret, for --json output: present only when --notify-url was given. */
export function notifySecret (created: { notify_secret?: string }): { notify_secret?: string } {
  return created.notify_secret === undefined ? {} : { notify_secret: created.notify_secret }
}

/** The signing secret of --notify-url's deliveries: the server shows it this once, never again. */
export function sayNotifySecret (created: { notify_secret?: string }): void {
  if (created.notify_secret !== undefined) say(`notifications are signed with ${created.notify_secret} (Standard Webhooks): keep it, it is not shown again`)
}

/** What a failed request means for the person at the terminal. */
export function explain (err: unknown): CliError {
  if (err instanceof CliError) return err
  if (!(err instanceof ApiError)) return new CliError(err instanceof Error ? err.message : String(err), EXIT.FAILED)
  switch (err.code) {
    case NETWORK_ERROR:
      return new CliError('the server could not be reached: check --server / BURNLINK_URL and the network', EXIT.FAILED)
    case 'SECRET_NOT_FOUND':
      return new CliError('this secret is not available: it was already read, was deleted or has expired (or the link is wrong)', EXIT.NOT_FOUND)
    case 'SECRET_PASSPHRASE_REQUIRED':
      return new CliError('this secret needs its passphrase: use --passphrase-prompt (the secret is still there)', EXIT.PASSPHRASE)
    case 'SECRET_PASSPHRASE_WRONG':
      return new CliError('the passphrase is wrong; the secret is still there: try again', EXIT.PASSPHRASE)
    case 'AUTH_REQUIRED':
      return new CliError('this server lets only its users create: set BURNLINK_TOKEN to an API token', EXIT.FAILED)
    case 'AUTH_TOKEN_INVALID':
      return new CliError('the server does not accept the API token in BURNLINK_TOKEN: it is unknown or revoked', EXIT.FAILED)
    case 'SECRET_TOO_LARGE':
      return new CliError(`the server refused it as too large: ${err.detail ?? 'over its limit'}`, EXIT.TOO_LARGE)
    case 'REQUEST_NOTIFY_URL_REFUSED':
      return new CliError(`the server refused --notify-url: ${err.detail ?? 'not an address it may notify'}`, EXIT.USAGE)
    case 'STORAGE_QUOTA_EXCEEDED':
      // A 429 too, but nothing was attempted too often: the bytes this address stores are the cause.
      return new CliError(`this address has stored as many bytes as the server allows for now (its storage quota): try again ${later(err)}`, EXIT.FAILED)
  }
  if (err.status === 429) {
    return new CliError(`too many attempts: try again ${later(err)}`, err.code.includes('PASSPHRASE') ? EXIT.PASSPHRASE : EXIT.FAILED)
  }
  return new CliError(`the server answered ${err.status} ${err.code}${err.detail === undefined ? '' : `: ${err.detail}`}`, EXIT.FAILED)
}

/** "in 3 min" from the server's Retry-After, else "later". */
function later (err: ApiError): string {
  return err.retryAfterSeconds === undefined ? 'later' : `in ${Math.max(1, Math.ceil(err.retryAfterSeconds / 60))} min`
}
