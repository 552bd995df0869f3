// Links look the same whoever made them: <server>/s/<secret_key>#<key>, and <server>/r/<receipt_key>.
import { CliError, EXIT } from './output.ts'

export interface ParsedLink {
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

export function parseLink (text: string): ParsedLink {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new CliError(`not a Burnlink link: ${text} (expected https://…/s/<key>#<key>)`, EXIT.USAGE)
  }
  const match = /^(.*)\/s\/([A-Za-z0-9_-]+)\/?$/.exec(url.pathname)
  if (match === null || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new CliError(`not a Burnlink link: ${text} (expected https://…/s/<key>#<key>)`, EXIT.USAGE)
  }
  const fragment = url.hash.slice(1)
  return { server: `${url.origin}${match[1] ?? ''}`, secretKey: match[2] ?? '', fragmentKey: fragment === '' ? undefined : fragment }
}
