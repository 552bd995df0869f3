// burnlink request and respond: ask someone for a secret; answer such a request, encrypted here.
import { readFile } from 'node:fs/promises'
import { ApiError, request as api } from '../web/src/api.ts'
import { isPublicKey, maxAnswerBytes, newRequestKeys, sealTo } from '../web/src/zkrequest.ts'
import { parse, parseTtl, usageError } from './args.ts'
import { inboxLink, parseLink, requestLink, resolveServer } from './link.ts'
import { CliError, EXIT, explain, say } from './output.ts'

export const REQUEST_USAGE = `Usage: burnlink request [options]

Asks someone for a secret. Prints two links on standard output: the request link first (send it
to the person who holds the secret: they answer it once, with burnlink respond or in a browser),
then the inbox link (keep it: it reveals the answer once, with burnlink get or in a browser).
The key pair is made here; the server sees neither key.

Options:
  --note TEXT        shown to the holder: what you ask for and why
  --ttl DURATION     how long the request stays open: seconds (3600) or 30m, 1h, 7d, 2w
  --server URL       the Burnlink server (default: $BURNLINK_URL)
  --json             print {"request_link", "inbox_link", "expires_at"} instead
  -h, --help         show this help`

export const RESPOND_USAGE = `Usage: burnlink respond REQUEST_LINK [FILE]

Answers a request with the text in FILE, or standard input, encrypted here to the requester's key.
A request takes one answer: an answered or expired request is refused (exit 3).

Options:
  -h, --help         show this help`

interface CreatedRequest { request_key: string, inbox_key: string, expires_at: string }
interface ShownRequest { status: 'open' | 'answered' | 'expired', note: string | null }

// What a server that does not publish its limits (no web app built) takes by default.
const DEFAULT_MAX_BYTES = 65_536

export async function requestCommand (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    note: { type: 'string' },
    ttl: { type: 'string' },
    server: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' }
  } as const, 'request')
  if (values.help === true) {
    process.stdout.write(`${REQUEST_USAGE}\n`)
    return EXIT.OK
  }
  if (positionals.length > 0) throw usageError('request takes no arguments (the note goes in --note)', 'request')
  const server = resolveServer(values.server)
  if (server === undefined) throw usageError('no server: give --server URL or set BURNLINK_URL', 'request')
  const ttl = values.ttl === undefined ? undefined : parseTtl(values.ttl)
  const keys = await newRequestKeys()
  try {
    const created = await api<CreatedRequest>('POST', `${server}/request`, {
      body: { ...(values.note === undefined ? {} : { note: values.note }), ...(ttl === undefined ? {} : { ttl_seconds: ttl }) }
    })
    const links = {
      request_link: requestLink(server, created.request_key, keys.publicKey),
      inbox_link: inboxLink(server, created.inbox_key, keys.privateKey),
      expires_at: created.expires_at
    }
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(links)}\n`)
    } else {
      process.stdout.write(`${links.request_link}\n${links.inbox_link}\n`)
      say('first line: the request link, for the person who holds the secret')
      say('second line: your inbox link, keep it to yourself: it reveals the answer once')
      say(`the request expires ${created.expires_at} unless it is answered first`)
    }
    return EXIT.OK
  } catch (err) {
    throw explain(err)
  }
}

export async function respond (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { help: { type: 'boolean', short: 'h' } } as const, 'respond')
  if (values.help === true) {
    process.stdout.write(`${RESPOND_USAGE}\n`)
    return EXIT.OK
  }
  if (positionals.length < 1 || positionals.length > 2) throw usageError('respond takes a REQUEST_LINK and at most one FILE', 'respond')
  const link = parseLink(positionals[0] ?? '')
  if (link.kind !== 'ask') throw usageError('that is not a request link (…/ask/<key>#<key>)', 'respond')
  if (link.fragmentKey === undefined || !isPublicKey(link.fragmentKey)) {
    throw new CliError('the request link has no valid key after "#": it is incomplete; ask for the whole link', EXIT.USAGE)
  }
  const base = `${link.server}/request/${link.secretKey}`
  try {
    const shown = await api<ShownRequest>('GET', base)
    if (shown.status !== 'open') throw refused(shown.status)
    const text = await readAnswer(positionals[1])
    const limit = maxAnswerBytes(await serverMaxBytes(link.server))
    if (Buffer.byteLength(text, 'utf8') > limit) throw new CliError(`the answer is too large: the server takes answers up to ${limit} bytes of text`, EXIT.TOO_LARGE)
    if (shown.note !== null) say(`the request said: ${shown.note.replace(/[\p{Cc}]/gu, ' ')}`)
    await api('POST', `${base}/answer`, { body: { secret: await sealTo(link.fragmentKey, text) } })
    say('answered: only the requester\'s inbox link can read it, once')
    return EXIT.OK
  } catch (err) {
    if (err instanceof ApiError && err.code === 'REQUEST_ALREADY_ANSWERED') throw refused('answered')
    if (err instanceof ApiError && err.code === 'REQUEST_NOT_FOUND') throw refused('expired')
    throw explain(err)
  }
}

function refused (status: 'answered' | 'expired'): CliError {
  return new CliError(status === 'answered'
    ? 'this request was already answered: a request takes one answer'
    : 'this request is not open: it expired or never existed (or the link is wrong)', EXIT.NOT_FOUND)
}

async function readAnswer (path: string | undefined): Promise<string> {
  let bytes: Buffer
  if (path === undefined) {
    if (process.stdin.isTTY) say('type the answer, then Ctrl-D on a line of its own')
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    bytes = Buffer.concat(chunks)
  } else {
    try {
      bytes = await readFile(path)
    } catch (err) {
      throw new CliError(`cannot read ${path}: ${(err as Error).message}`, EXIT.FAILED)
    }
  }
  if (bytes.length === 0) throw new CliError('the answer is empty: nothing to send', EXIT.USAGE)
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch {
    throw new CliError('an answer is text: this is not valid UTF-8 (files cannot answer a request yet)', EXIT.USAGE)
  }
}

async function serverMaxBytes (server: string): Promise<number> {
  try {
    return (await api<{ maxBytes: number }>('GET', `${server}/config.json`)).maxBytes
  } catch {
    return DEFAULT_MAX_BYTES
  }
}
