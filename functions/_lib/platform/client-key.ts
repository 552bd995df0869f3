// The client key of an address: who one client is for rate limits, locks and quotas.
import { isIP } from 'node:net'

/**
 * An IPv4 address is a client of its own. An IPv6 holder is usually given a whole network (a /64
 * at least, often a /56 or /48) and can pick any address in it, so IPv6 clients are their network
 * of `ipv6Prefix` bits, written `2001:db8:a:b::/64`. IPv4 written as IPv6 (`::ffff:a.b.c.d`, as a
 * dual-stack socket reports IPv4 peers) is that IPv4 address. Undefined when `ip` is no address.
 */
export function clientKey (ip: string, ipv6Prefix: number): string | undefined {
  const address = parseAddress(ip)
  if (address === undefined) return undefined
  if (address.version === 4) return address.text
  return `${ipv6Network(address.groups, ipv6Prefix)}/${ipv6Prefix}`
}

export type Address = { version: 4, text: string } | { version: 6, groups: number[] }

/** An address as IPv4 text or eight 16-bit IPv6 groups; IPv4-mapped IPv6 comes back as IPv4. */
export function parseAddress (ip: string): Address | undefined {
  if (isIP(ip) === 4) return { version: 4, text: ip }
  if (isIP(ip) !== 6) return undefined
  const groups = ipv6Groups(ip.replace(/%.*$/, ''))
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6)
    return { version: 4, text: [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.') }
  }
  return { version: 6, groups }
}

/** The network address of `bits` leading bits, in the canonical short form (RFC 5952). */
export function ipv6Network (groups: readonly number[], bits: number): string {
  const masked = groups.map((group, i) => {
    const kept = Math.min(16, Math.max(0, bits - i * 16))
    return group & (0xffff << (16 - kept)) & 0xffff
  })
  // WHATWG URL serialises an IPv6 host canonically: lower case, the longest zero run as `::`.
  return new URL(`http://[${masked.map((g) => g.toString(16)).join(':')}]`).hostname.slice(1, -1)
}

/** Eight groups of an IPv6 address that node:net accepted (so the text is well formed). */
function ipv6Groups (ip: string): number[] {
  // A dotted IPv4 tail (`::ffff:1.2.3.4`) stands for the last two groups.
  const text = ip.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`)
  const [head = '', tail] = text.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0')
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16))
}
