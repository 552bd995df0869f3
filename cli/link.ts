// Links look the same whoever made them: <server>/s/<secret_key>#<key>, <server>/r/<receipt_key>,
// and for requests <server>/ask/<request_key>#<public key> and <server>/inbox/<inbox_key>#<private key>.
import { CliError, EXIT } from './output.ts'

export interface ParsedLink {
  /** s: a secret; ask: a request to answer; inbox: a request's answer. */
  kind: 'secret' | 'ask' | 'inbox'
  /** The server the link points at, with any path it is served under. */
  server: string
  secretKey: string
  /** The decryption key after '#', if the link has one. */
  fragmentKey: string | undefined
}

/** --server, else BURNLINK_URL, else (for get) the link's own server. */
export function resolveServer (option: string | undefined, fallback?: string): string | undefined {
  const chosen = option ?? (process.env.BURNLINK_URL === '' ? undefined : process.env.BURNLINK_URL) ?? fallback
  if (chosen === undefined) return undefined
  let url: URL
  try {
    url = new URL(chosen)
  } catch {
    throw new CliError(`not a server address: ${chosen} (expected e.g. https://burnlink.example.com)`, EXIT.USAGE)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new CliError(`not an http(s) address: ${chosen}`, EXIT.USAGE)
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`
}

export function secretLink (server: string, secretKey: string, fragmentKey: string): string {
  return `${server}/s/${secretKey}#${fragmentKey}`
}

export function receiptLink (server: string, receiptKey: string): string {
  return `${server}/r/${receiptKey}`
}

export function requestLink (server: string, requestKey: string, publicKey: string): string {
  return `${server}/ask/${requestKey}#${publicKey}`
}

export function inboxLink (server: string, inboxKey: string, privateKey: string): string {
  return `${server}/inbox/${inboxKey}#${privateKey}`
}

const KINDS = { s: 'secret', ask: 'ask', inbox: 'inbox' } as const

export function parseLink (text: string): ParsedLink {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new CliError(`not a Burnlink link: ${text} (expected https://…/s/<key>#<key>)`, EXIT.USAGE)
  }
  const match = /^(.*)\/(s|ask|inbox)\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname)
  if (match === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new CliError(`not a Burnlink link: ${text} (expected https://…/s/<key>#<key>)`, EXIT.USAGE)
  }
  const fragment = url.hash.slice(1)
  return { kind: KINDS[match[2] as keyof typeof KINDS], server: `${url.origin}${match[1] ?? ''}`, secretKey: match[3] ?? '', fragmentKey: fragment === '' ? undefined : fragment }
}
