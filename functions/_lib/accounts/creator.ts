// Who is creating: an API token, a signed-in browser, or nobody; and whether that may create.
import type { FastifyRequest } from 'fastify'
import type { Accounts } from '../platform/config.ts'
import { AuthCsrf, AuthRequired, AuthTokenInvalid } from '../platform/errors.ts'
import { findSession, readCookie, sessionCookieName, type Session } from './sessions.ts'
import { findApiTokenOwner } from './tokens.ts'

export interface Creator {
  /** account.id; null for an operator's token, which belongs to no person. */
  readonly accountId: string | null
  readonly email: string | null
  /** api_token.id when the request came with a token. */
  readonly tokenId: string | null
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the creator guard: who creates, or null for an anonymous create. */
    creator: Creator | null
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * The signed-in browser behind a request's cookie, with the CSRF rule applied: a state-changing
 * request must come from this origin and echo the session's CSRF token in X-CSRF-Token, which a
 * page of another site can neither read nor set. Undefined without a live session.
 */
export async function sessionOf (request: FastifyRequest, accounts: Accounts): Promise<Session | undefined> {
  const id = readCookie(request.headers.cookie, sessionCookieName(accounts.publicUrl))
  if (id === undefined || id === '') return undefined
  const session = await findSession(request.server.sql, id)
  if (session === undefined || SAFE_METHODS.has(request.method)) return session
  const origin = request.headers.origin
  if (origin !== undefined && origin !== expectedOrigin(request, accounts)) throw new AuthCsrf()
  if (request.headers['x-csrf-token'] !== session.csrf_token) throw new AuthCsrf()
  return session
}

function expectedOrigin (request: FastifyRequest, accounts: Accounts): string {
  return accounts.publicUrl ?? `${request.protocol}://${request.host}`
}

/** The bearer token of a request, if it sent one. */
function bearer (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match?.[1] ?? ''
}

/**
 * The preHandler of every create route. A token that is presented must be valid even where
 * anyone may create: a script with a revoked token should hear so, not create anonymously.
 */
export function creatorGuard (accounts: Accounts) {
  return async function guardCreator (request: FastifyRequest): Promise<void> {
    request.creator = await findCreator(request, accounts)
    if (request.creator === null && accounts.creators === 'signed-in') throw new AuthRequired()
  }
}

async function findCreator (request: FastifyRequest, accounts: Accounts): Promise<Creator | null> {
  const token = bearer(request)
  if (token !== undefined) {
    const owner = token === '' ? undefined : await findApiTokenOwner(request.server.sql, token)
    if (owner === undefined) throw new AuthTokenInvalid()
    return { accountId: owner.account_id, email: owner.email, tokenId: owner.token_id }
  }
  const session = await sessionOf(request, accounts)
  return session === undefined ? null : { accountId: session.account_id, email: session.email, tokenId: null }
}

/** What a create's audit row says of its creator (the email only when AUDIT_ACCOUNT_EMAIL=true). */
export function creatorAudit (creator: Creator | null, accounts: Accounts): { accountId: string | null, details: Record<string, string> } {
  if (creator === null) return { accountId: null, details: {} }
  return {
    accountId: creator.accountId,
    details: {
      ...(creator.tokenId === null ? {} : { api_token_id: creator.tokenId }),
      ...(accounts.auditEmail && creator.email !== null ? { account_email: creator.email } : {})
    }
  }
}

/** OpenAPI: a create takes a token, a session, or (CREATORS=anyone) nothing. */
export const CREATE_SECURITY = [{}, { apiToken: [] }, { session: [] }]
