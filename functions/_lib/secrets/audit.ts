// Who did it: the request facts every audit row records, with the IP kept as AUDIT_IP_MODE says.
import { createHmac, hkdfSync } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { clientKey, ipv6Network, parseAddress } from '../platform/client-key.ts'

export interface AuditContext {
  client_ip: string | null
  client_ip_hash: string | null
  user_agent: string | null
  request_id: string
  /**
   * The client as per-client state (passphrase locks, the storage quota) stores it: never more
   * than the audit log, and never finer than the client key (an IPv6 client is its network).
   */
  client: string
}

export type IpMode = 'full' | 'truncated' | 'hashed'
export type Auditor = (request: FastifyRequest) => AuditContext

const MAX_USER_AGENT = 512

/**
 * request.ip already honours X-Forwarded-For only from TRUST_PROXY peers (Fastify trustProxy).
 * `full` records the address itself, for administrators; `hashed` hashes the client key, so one
 * pseudonym stands for one client as the limits count it; `truncated` keeps a network no finer
 * than the client key.
 */
export function auditor (mode: IpMode, masterKey: Buffer, ipv6Prefix: number): Auditor {
  const hash = mode === 'hashed' ? dailyHasher(masterKey) : undefined
  return (request) => {
    const userAgent = request.headers['user-agent']
    // A trusted proxy could still forward garbage; the inet column must never make that a 500.
    const key = clientKey(request.ip, ipv6Prefix)
    // Nor can it hold an IPv6 zone (`fe80::1%eth0`), which names an interface of this host.
    const ip = key === undefined ? null : request.ip.replace(/%.*$/, '')
    const stored = ip === null || hash !== undefined ? null : mode === 'truncated' ? truncate(ip, ipv6Prefix) : ip
    const hashed = key !== undefined && hash !== undefined ? hash(key) : null
    return {
      client_ip: stored,
      client_ip_hash: hashed,
      // PostgreSQL text cannot hold NUL.
      user_agent: userAgent === undefined ? null : userAgent.slice(0, MAX_USER_AGENT).replaceAll('\0', ''),
      request_id: request.id,
      client: (mode === 'full' ? key : stored ?? hashed) ?? 'unknown'
    }
  }
}

/**
 * IPv4 to its /24, IPv6 to its /48, or to its client network when CLIENT_IPV6_PREFIX is shorter
 * (IPv4-mapped IPv6 counts as IPv4).
 */
export function truncate (ip: string, ipv6Prefix = 64): string {
  const address = parseAddress(ip)
  if (address === undefined) throw new Error('not an IP address')
  if (address.version === 4) return address.text.split('.').slice(0, 3).join('.') + '.0'
  return ipv6Network(address.groups, Math.min(48, ipv6Prefix))
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
