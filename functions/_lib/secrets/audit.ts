// Who did it: the request facts every audit row records, with the IP kept as AUDIT_IP_MODE says.
import { createHmac, hkdfSync } from 'node:crypto'
import { isIP } from 'node:net'
import type { FastifyRequest } from 'fastify'

export interface AuditContext {
  client_ip: string | null
  client_ip_hash: string | null
  user_agent: string | null
  request_id: string
  /** The client as other per-client state (passphrase throttling) may store it: never more than the audit log. */
  client: string
}

export type IpMode = 'full' | 'truncated' | 'hashed'
export type Auditor = (request: FastifyRequest) => AuditContext

const MAX_USER_AGENT = 512

/** request.ip already honours X-Forwarded-For only from TRUST_PROXY peers (Fastify trustProxy). */
export function auditor (mode: IpMode, masterKey: Buffer): Auditor {
  const hash = mode === 'hashed' ? dailyHasher(masterKey) : undefined
  return (request) => {
    const userAgent = request.headers['user-agent']
    // A trusted proxy could still forward garbage; the inet column must never make that a 500.
    const ip = isIP(request.ip) === 0 ? null : request.ip
    const stored = ip === null || hash !== undefined ? null : mode === 'truncated' ? truncate(ip) : ip
    const hashed = ip !== null && hash !== undefined ? hash(ip) : null
    return {
      client_ip: stored,
      client_ip_hash: hashed,
      // PostgreSQL text cannot hold NUL.
      user_agent: userAgent === undefined ? null : userAgent.slice(0, MAX_USER_AGENT).replaceAll('\0', ''),
      request_id: request.id,
      client: stored ?? hashed ?? 'unknown'
    }
  }
}

/** IPv4 to its /24, IPv6 to its /48 (IPv4-mapped IPv6 counts as IPv4). */
export function truncate (ip: string): string {
  const v4 = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip
  if (isIP(v4) === 4) return v4.split('.').slice(0, 3).join('.') + '.0'
  const groups = expandIpv6(v4)
  return `${groups.slice(0, 3).join(':')}::`
}

function expandIpv6 (ip: string): string[] {
  const [head = '', tail = ''] = ip.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === '' ? [] : tail.split(':')
  const zeros = Array.from({ length: 8 - left.length - right.length }, () => '0')
  return [...left, ...(ip.includes('::') ? zeros : []), ...right]
}

/**
 * HMAC-SHA256 under a key derived from the master key and today's date (UTC): the same client is
 * recognisable within a day (abuse analysis), not across days, and not at all without the key.
 */
function dailyHasher (masterKey: Buffer): (ip: string) => string {
  let day = ''
  let key = Buffer.alloc(0)
  return (ip) => {
    const today = new Date().toISOString().slice(0, 10)
    if (today !== day) {
      day = today
      key = Buffer.from(hkdfSync('sha256', masterKey, 'burnlink.audit-ip', today, 32))
    }
    return createHmac('sha256', key).update(ip).digest('hex').slice(0, 32)
  }
}
