// Where a notification may go (server-side request forgery): the URL's scheme, and every address
// its host resolves to, checked when it is given and again on the address each delivery connects to.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { lookup as dnsLookupAll } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

export interface DestinationPolicy {
  readonly allowHttp: boolean
  readonly allowPrivateNetworks: boolean
}

/** Why a URL or an address is refused, in words for the 400 and the delivery state. */
export class DestinationRefused extends Error {
  override name = 'DestinationRefused'
}

// Everything that is not the public internet: a receiver there would let a notify_url probe the
// operator's own network (cloud metadata at 169.254.169.254, databases on 10/8, the host itself).
const INTERNAL = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]
] as const) INTERNAL.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001::', 23],
  ['2001:db8::', 32], ['2002::', 16], ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]
] as const) INTERNAL.addSubnet(net, bits, 'ipv6')

/** Why an address is refused, or undefined for a public one. IPv4-mapped IPv6 counts as its IPv4. */
export function internalAddress (address: string): string | undefined {
  const ip = unmapped(address)
  const family = isIP(ip)
  if (family === 0) return `${address} is not an IP address`
  return INTERNAL.check(ip, family === 4 ? 'ipv4' : 'ipv6') ? `${address} is a loopback, private, link-local or otherwise internal address` : undefined
}

/** ::ffff:127.0.0.1 and its hexadecimal spelling ::ffff:7f00:1 (as URL writes it) → 127.0.0.1. */
function unmapped (address: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1]
  if (dotted !== undefined) return dotted
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address)
  if (hex === null) return address
  const [high, low] = [parseInt(hex[1] ?? '0', 16), parseInt(hex[2] ?? '0', 16)]
  return [high >> 8, high & 255, low >> 8, low & 255].join('.')
}

/** Checks a notify_url as given: its form now, and every address its host resolves to now. */
export async function checkDestination (text: string, policy: DestinationPolicy): Promise<URL> {
  const url = parseDestination(text, policy)
  if (policy.allowPrivateNetworks) return url
  const host = bareHost(url)
  const addresses = isIP(host) !== 0 ? [host] : await resolveAll(host)
  for (const address of addresses) {
    const reason = internalAddress(address)
    if (reason !== undefined) throw new DestinationRefused(host === address ? `notify_url refused: ${reason}` : `notify_url refused: ${host} resolves to an internal address (${reason})`)
  }
  return url
}

/** The URL's form: https (or http when allowed), no credentials. `name` is what messages call it. */
export function parseDestination (text: string, policy: DestinationPolicy, name = 'notify_url'): URL {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new DestinationRefused(`${name} is not a URL`)
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new DestinationRefused(`${name} must use https${policy.allowHttp ? ' or http' : ''} (the operator allows http with WEBHOOK_ALLOW_HTTP=true)`)
  }
  if (url.username !== '' || url.password !== '') throw new DestinationRefused(`${name} must not carry a user name or password`)
  return url
}

/** The lookup a delivery connects through: the address actually used is the one checked. */
export function guardedLookup (policy: DestinationPolicy): typeof dnsLookup {
  const guarded = (hostname: string, options: object, callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err !== null) return callback(err, [])
      const allowed = policy.allowPrivateNetworks ? addresses : addresses.filter((a) => internalAddress(a.address) === undefined)
      const first = allowed[0]
      if (first === undefined) return callback(new DestinationRefused(`${hostname} resolves only to internal addresses`), [])
      if ((options as { all?: boolean }).all === true) return callback(null, allowed)
      callback(null, first.address, first.family)
    })
  }
  return guarded as unknown as typeof dnsLookup
}

/** Node connects to an IP literal without a lookup: such a host is checked here instead. */
export function checkLiteral (url: URL, policy: DestinationPolicy): void {
  const host = bareHost(url)
  if (policy.allowPrivateNetworks || isIP(host) === 0) return
  const reason = internalAddress(host)
  if (reason !== undefined) throw new DestinationRefused(reason)
}

function bareHost (url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1')
}

async function resolveAll (host: string): Promise<string[]> {
  try {
    return (await dnsLookupAll(host, { all: true })).map((a) => a.address)
  } catch {
    throw new DestinationRefused(`notify_url host ${host} does not resolve`)
  }
}
