// Who did it: the request facts every audit row records, shaped for a SQL insert.
import { isIP } from 'node:net'
import type { FastifyRequest } from 'fastify'

export interface AuditContext {
  client_ip: string | null
  user_agent: string | null
  request_id: string
}

const MAX_USER_AGENT = 512

/** request.ip already honours X-Forwarded-For only from TRUST_PROXY peers (Fastify trustProxy). */
export function auditContext (request: FastifyRequest): AuditContext {
  const userAgent = request.headers['user-agent']
  return {
    // A trusted proxy could still forward garbage; the inet column must never make that a 500.
    client_ip: isIP(request.ip) === 0 ? null : request.ip,
    // PostgreSQL text cannot hold NUL.
    user_agent: userAgent === undefined ? null : userAgent.slice(0, MAX_USER_AGENT).replaceAll('\0', ''),
    request_id: request.id
  }
}
