// Reads the passphrase a request presents: JSON body {"passphrase"} or the X-Passphrase header.
import type { FastifyRequest } from 'fastify'
import { PassphraseConflict, PassphraseInUrl } from '../platform/errors.ts'
import { Passphrase, requireWellFormed } from './text.ts'
import createError from '@fastify/error'

const BadHeader = createError('REQUEST_INVALID', `headers/x-passphrase must be 1 to ${Passphrase.maxLength} characters of UTF-8`, 400)

export function requestPassphrase (request: FastifyRequest, fromBody: string | undefined): string | undefined {
  const header = request.headers['x-passphrase']
  let fromHeader: string | undefined
  if (header !== undefined) {
    // Node decodes header bytes as Latin-1; clients send UTF-8, so re-decode the raw bytes.
    const text = Buffer.from(Array.isArray(header) ? header.join(',') : header, 'latin1').toString('utf8')
    if (text.length < Passphrase.minLength || text.length > Passphrase.maxLength || text.includes('\uFFFD')) throw new BadHeader()
    fromHeader = text
  }
  if (fromBody !== undefined) requireWellFormed('passphrase', fromBody)
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody) throw new PassphraseConflict()
  return fromBody ?? fromHeader
}

/**
 * Some clients put the passphrase in the query string. It is never read from there (URLs end up
 * in proxy logs), and ignoring it would answer as if it were missing: say where it belongs instead.
 */
export function refusePassphraseInUrl (request: FastifyRequest): void {
  const query = request.query
  if (typeof query !== 'object' || query === null) return
  if (Object.keys(query).some((name) => /^(x-)?passphrase$/i.test(name))) throw new PassphraseInUrl()
}
