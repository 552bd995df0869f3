// Rules for user-supplied text that JSON Schema cannot express.
import createError from '@fastify/error'

export const Passphrase = { minLength: 1, maxLength: 1024 } as const

const NotWellFormed = createError('REQUEST_INVALID', 'body/%s must be well-formed Unicode (it contains a lone surrogate)', 400)

/**
 * JSON allows "\ud800"; UTF-8 cannot encode it and would silently turn it into U+FFFD, so the
 * secret read back (or the passphrase hashed) would differ from the one sent. Refuse it instead.
 */
export function requireWellFormed (field: string, value: string): void {
  if (!value.isWellFormed()) throw new NotWellFormed(field)
}
