// burnlink request and respond: ask someone for a secret; answer such a request, encrypted here.
import { ApiError, request as api } from '../web/src/api.ts'
import { isPublicKey, maxAnswerBytes, newRequestKeys, sealedAnswerFileLength, sealFileTo, sealTo } from '../web/src/zkrequest.ts'
import { parse, parseTtl, usageError } from './args.ts'
import { checkFileLength, openFile, readStdin, serverLimits } from './input.ts'
import { inboxLink, parseLink, requestLink, resolveServer } from './link.ts'
import { CliError, EXIT, explain, formatBytes, notifySecret, say, sayNotifySecret } from './output.ts'
import { tokenHeader } from './token.ts'
import { upload } from './upload.ts'

export const REQUEST_USAGE = `Usage: burnlink request [options]

Asks someone for a secret. Prints two links on standard output: the request link first (send it
to the person who holds the secret: they answer it once, with burnlink respond or in a browser),
then the inbox link (keep it: it reveals the answer once, with burnlink get or in a browser).
The key pair is made here; the server sees neither key.

Options:
  --note TEXT        shown to the holder: what you ask for and why
  --ttl DURATION     how long the request stays open: seconds (3600) or 30m, 1h, 7d, 2w
  --notify-url URL   have the server POST this URL when the request is answered, and when the
                     answer is revealed or expires (signed: the signing secret is printed on
                     standard error, once)
  --server URL       the Burnlink server (default: $BURNLINK_URL)
  --json             print {"request_link", "inbox_link", "expires_at"} (and "notify_secret") instead
  -h, --help         show this help

An API token in BURNLINK_TOKEN is sent as Authorization: Bearer (servers where creating needs
an account).`

export const RESPOND_USAGE = `Usage: burnlink respond REQUEST_LINK [FILE]

Answers a request with FILE, or standard input, encrypted here to the requester's key.
FILE is sent as a file, with its name. Standard input is sent as text if it is valid UTF-8 and
fits the server's text limit, otherwise as a file named "stdin".
A request takes one answer: an answered or expired request is refused (exit 3).

Options:
  -h, --help         show this help`

interface CreatedRequest { request_key: string, inbox_key: string, expires_at: string, notify_secret?: string }
interface ShownRequest { status: 'open' | 'answered' | 'expired', note: string | null }

export async function requestCommand (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    note: { type: 'string' },
    ttl: { type: 'string' },
    'notify-url': { type: 'string' },
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
      body: {
        ...(values.note === undefined ? {} : { note: values.note }),
        ...(ttl === undefined ? {} : { ttl_seconds: ttl }),
        ...(values['notify-url'] === undefined ? {} : { notify_url: values['notify-url'] })
      },
      // Making a request is a create: a server where creating needs an account wants the token.
      headers: tokenHeader()
    })
    const links = {
      request_link: requestLink(server, created.request_key, keys.publicKey),
      inbox_link: inboxLink(server, created.inbox_key, keys.privateKey),
      expires_at: created.expires_at,
      ...notifySecret(created)
    }
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(links)}\n`)
    } else {
      process.stdout.write(`${links.request_link}\n${links.inbox_link}\n`)
      say('first line: the request link, for the person who holds the secret')
      say('second line: your inbox link, keep it to yourself: it reveals the answer once')
      say(`the request expires ${created.expires_at} unless it is answered first`)
      sayNotifySecret(created)
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
  const publicKey = link.fragmentKey
  if (publicKey === undefined || !isPublicKey(publicKey)) {
    throw new CliError('the request link has no valid key after "#": it is incomplete; ask for the whole link', EXIT.USAGE)
  }
  const base = `${link.server}/request/${link.secretKey}`
  const path = positionals[1]
  try {
    const shown = await api<ShownRequest>('GET', base)
    if (shown.status !== 'open') throw refused(shown.status)
    const limits = await serverLimits(link.server)
    const input = path === undefined ? await readStdin(limits.fileMaxBytes, 'answer') : await openFile(path)
    try {
      const text = input.text !== undefined && input.text.length <= maxAnswerBytes(limits.maxBytes) ? input.text.value : undefined
      if (text === undefined) checkFileLength(input.info.name, sealedAnswerFileLength(input.info, input.source.size), limits.fileMaxBytes)
      if (shown.note !== null) say(`the request said: ${shown.note.replace(/[\p{Cc}]/gu, ' ')}`)
      if (text !== undefined) {
        await api('POST', `${base}/answer`, { body: { secret: await sealTo(publicKey, text) } })
        say('answered: only the requester\'s inbox link can read it, once')
      } else {
        await upload(new URL(`${base}/answer`), await sealFileTo(publicKey, input.info, input.source), {})
        say(`answered with the file ${input.info.name} (${formatBytes(input.source.size)}): only the requester's inbox link can read it, once`)
      }
    } finally {
      await input.close()
    }
    return EXIT.OK
  } catch (err) {
    throw refusal(err) ?? explain(err)
  }
}

/** What the server's refusal of an answer means, in one line; undefined for the general causes. */
function refusal (err: unknown): CliError | undefined {
  if (!(err instanceof ApiError)) return undefined
  switch (err.code) {
    case 'REQUEST_ALREADY_ANSWERED': return refused('answered')
    case 'REQUEST_NOT_FOUND': return refused('expired')
    case 'REQUEST_ANSWER_IN_PROGRESS':
      return new CliError('another answer to this request is being uploaded right now: if it does not complete, the request stays open; try again later', EXIT.FAILED)
  }
  // A server from before file answers takes JSON alone.
  if (err.status === 415) return new CliError('this server takes only text answers: answer with text on standard input', EXIT.FAILED)
  return undefined
}

function refused (status: 'answered' | 'expired'): CliError {
  return new CliError(status === 'answered'
    ? 'this request was already answered: a request takes one answer'
    : 'this request is not open: it expired or never existed (or the link is wrong)', EXIT.NOT_FOUND)
}
