// burnlink send: encrypts a file or standard input here, stores it, prints the link.
import { request, type Created } from '../web/src/api.ts'
import { maxPlaintextBytes, seal } from '../web/src/zk.ts'
import { sealedFileLength, sealFile } from '../web/src/zkfile.ts'
import { parse, parseTtl, usageError } from './args.ts'
import { checkFileLength, openFile, readStdin, serverLimits } from './input.ts'
import { receiptLink, resolveServer, secretLink } from './link.ts'
import { EXIT, explain, notifySecret, say, sayNotifySecret } from './output.ts'
import { readPassphrase } from './passphrase.ts'
import { tokenHeader } from './token.ts'
import { terminalQr } from './qr.ts'
import { uploadFile } from './upload.ts'

export const SEND_USAGE = `Usage: burnlink send [FILE] [options]

Encrypts FILE, or standard input, on this computer and stores it on a Burnlink server.
Prints the link alone on standard output; it can be opened once, here or in a browser.

Options:
  --server URL           the Burnlink server (default: $BURNLINK_URL)
  --ttl DURATION         lifetime: seconds (3600) or 30m, 1h, 7d, 2w (default: the server's)
  --passphrase-prompt    ask for a passphrase; the sender needs it to delete the secret early
  --require-passphrase   the recipient needs the passphrase too (implies --passphrase-prompt)
  --notify-url URL       have the server POST this URL when the secret is revealed, deleted or
                         expires (signed: the signing secret is printed on standard error, once)
  --qr                   also draw the link as a QR code (on standard error)
  --json                 print {"link", "receipt_link", "expires_at"} (and "notify_secret") instead
  -h, --help             show this help

FILE is sent as a file, with its name. Standard input is sent as text if it is valid UTF-8 and
fits the server's text limit, otherwise as a file named "stdin".
An API token in BURNLINK_TOKEN is sent as Authorization: Bearer (servers where creating needs
an account).
The passphrase comes from BURNLINK_PASSPHRASE if set, else the terminal (not echoed), else the
first line of standard input when FILE is given.`

const OPTIONS = {
  server: { type: 'string' },
  ttl: { type: 'string' },
  'passphrase-prompt': { type: 'boolean' },
  'require-passphrase': { type: 'boolean' },
  'notify-url': { type: 'string' },
  qr: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

export async function send (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 'send')
  if (values.help === true) {
    process.stdout.write(`${SEND_USAGE}\n`)
    return EXIT.OK
  }
  if (positionals.length > 1) throw usageError('send takes one FILE at most (or standard input)', 'send')
  const server = resolveServer(values.server)
  if (server === undefined) throw usageError('no server: give --server URL or set BURNLINK_URL', 'send')
  const ttlSeconds = values.ttl === undefined ? undefined : parseTtl(values.ttl)
  const requirePassphrase = values['require-passphrase'] === true
  const path = positionals[0]
  const limits = await serverLimits(server)

  const input = path === undefined ? await readStdin(limits.fileMaxBytes, 'secret') : await openFile(path)
  try {
    const passphrase = values['passphrase-prompt'] === true || requirePassphrase
      ? await readPassphrase({ stdinIsData: path === undefined, confirm: true })
      : undefined
    const notifyUrl = values['notify-url']
    const options = { ttlSeconds, passphrase, requirePassphrase, notifyUrl }
    let created: Created
    let fragmentKey: string
    if (input.text !== undefined && input.text.length <= maxPlaintextBytes(limits.maxBytes)) {
      const sealed = await seal(input.text.value)
      fragmentKey = sealed.key
      created = await request<Created>('POST', `${server}/secret`, {
        body: {
          secret: sealed.envelope,
          ...(ttlSeconds === undefined ? {} : { ttl_seconds: ttlSeconds }),
          ...(passphrase === undefined ? {} : { passphrase }),
          ...(requirePassphrase ? { reveal_requires_passphrase: true } : {}),
          ...(notifyUrl === undefined ? {} : { notify_url: notifyUrl })
        },
        headers: tokenHeader()
      })
    } else {
      checkFileLength(input.info.name, sealedFileLength(input.info, input.source.size), limits.fileMaxBytes)
      const sealed = await sealFile(input.info, input.source)
      fragmentKey = sealed.key
      created = await uploadFile(server, sealed, options)
    }
    report(server, created, fragmentKey, values)
    return EXIT.OK
  } catch (err) {
    throw explain(err)
  } finally {
    await input.close()
  }
}

function report (server: string, created: Created, fragmentKey: string, values: { json?: boolean, qr?: boolean }): void {
  const link = secretLink(server, created.secret_key, fragmentKey)
  const receipt = created.receipt_key === undefined ? null : receiptLink(server, created.receipt_key)
  if (values.qr === true) process.stderr.write(terminalQr(link))
  if (values.json === true) {
    process.stdout.write(`${JSON.stringify({ link, receipt_link: receipt, expires_at: created.expires_at, ...notifySecret(created) })}\n`)
    return
  }
  process.stdout.write(`${link}\n`)
  say(`expires ${created.expires_at} unless it is read first`)
  if (receipt !== null) say(`read receipt (keep it for yourself): ${receipt}`)
  sayNotifySecret(created)
}
