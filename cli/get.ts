// burnlink get: reveals a secret once; text to standard output, a file to disk.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { errorFrom, ApiError, NETWORK_ERROR, passphraseHeader, request, type SecretStatus } from '../web/src/api.ts'
import { isEnvelope, isKey, open } from '../web/src/zk.ts'
import { EnvelopeError, openFile, type OpenedFile } from '../web/src/zkfile.ts'
import { isPrivateKey, openFileWith, openWith } from '../web/src/zkrequest.ts'
import { parse, usageError } from './args.ts'
import { parseLink, resolveServer } from './link.ts'
import { CliError, EXIT, explain, formatBytes, say } from './output.ts'
import { readPassphrase } from './passphrase.ts'
import { safeName, saveChunks } from './save.ts'

export const GET_USAGE = `Usage: burnlink get LINK [-o FILE] [options]

Reveals the secret behind LINK, once: it is destroyed on the server as it is read. LINK may
also be the inbox link of a request (burnlink request): its answer, text or a file, is revealed
once in the same way. Text goes to standard output. A file is saved under its own name in the
current directory (made safe: no directories, no leading dot; "name (1).ext" if the name is
taken), or to FILE.

Options:
  -o, --output FILE      save to FILE ("-" for standard output); refused if FILE exists
  --force                overwrite an existing file instead
  --server URL           ask this server instead of the link's (default: $BURNLINK_URL)
  --passphrase-prompt    ask for the passphrase even if the server does not say it is needed
  -h, --help             show this help

A passphrase the secret needs comes from BURNLINK_PASSPHRASE if set, else the terminal (not
echoed), else the first line of standard input.`

const OPTIONS = {
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  server: { type: 'string' },
  'passphrase-prompt': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' }
} as const

export async function get (argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, OPTIONS, 'get')
  if (values.help === true) {
    process.stdout.write(`${GET_USAGE}\n`)
    return EXIT.OK
  }
  if (positionals.length !== 1) throw usageError('get takes exactly one LINK', 'get')
  const link = parseLink(positionals[0] ?? '')
  if (link.kind === 'ask') throw usageError('that is a request link: answer it with burnlink respond', 'get')
  // Reading a secret whose key is missing would destroy it unread: refuse before asking the server.
  const key = link.fragmentKey
  const inbox = link.kind === 'inbox'
  const valid = key !== undefined && (inbox ? isPrivateKey(key) : isKey(key))
  if (!valid) {
    throw new CliError(inbox
      ? 'the inbox link has no valid key after "#": it is incomplete'
      : 'the link has no valid key after "#": it is incomplete; ask the sender for the whole link', EXIT.USAGE)
  }
  const server = resolveServer(values.server, link.server) ?? link.server
  const target = { output: values.output, force: values.force === true }
  if (target.output !== undefined && target.output !== '-' && !target.force && existsSync(target.output)) {
    throw new CliError(`${target.output} exists: not overwritten (use --force)`, EXIT.EXISTS)
  }
  if (inbox) return await getAnswer(`${server}/request/inbox/${link.secretKey}`, key, target)
  try {
    const status = await request<SecretStatus>('GET', `${server}/secret/${link.secretKey}/status`)
    const passphrase = status.requires_passphrase || values['passphrase-prompt'] === true
      ? await readPassphrase({ stdinIsData: false, confirm: false })
      : undefined
    const headers = passphrase === undefined ? {} : passphraseHeader(passphrase)
    if (status.kind === 'file') return await getFile(`${server}/file/${link.secretKey}`, headers, target, async (body) => await openFile(body, key))
    return await getText(`${server}/secret/${link.secretKey}`, key, headers, target)
  } catch (err) {
    throw explain(err)
  }
}

/** `answer_kind` is absent on a server from before file answers: that is text. */
interface InboxStatus { status: 'open' | 'answered' | 'revealed' | 'expired', answer_kind?: 'text' | 'file' | null }

/** An inbox link: the answer to a request, text or a file, revealed once and opened with the link's private key. */
async function getAnswer (base: string, privateKey: string, target: Target): Promise<number> {
  try {
    const { status, answer_kind: kind } = await request<InboxStatus>('GET', `${base}/status`)
    if (status === 'open') throw new CliError('the request is not answered yet: try again later', EXIT.NOT_FOUND)
    if (status !== 'answered') throw new CliError(`no answer is waiting: it was ${status === 'revealed' ? 'already revealed' : 'not given in time, or expired unread'}`, EXIT.NOT_FOUND)
    const sealed = kind === 'file' ? undefined : await revealText(base)
    if (sealed === undefined) return await getFile(`${base}/file`, {}, target, async (body) => await openFileWith(privateKey, body))
    let text: string
    try {
      text = await openWith(privateKey, sealed)
    } catch {
      throw new CliError('the answer was received but could not be decrypted: the inbox link\'s key is wrong or damaged; it no longer exists on the server', EXIT.UNREADABLE)
    }
    return await writeText(text, target)
  } catch (err) {
    if (err instanceof ApiError && err.code === 'REQUEST_NOT_FOUND') throw new CliError('this request is not available: it expired, or the link is wrong', EXIT.NOT_FOUND)
    if (err instanceof ApiError && err.code === 'SECRET_NOT_FOUND') throw new CliError('no answer is waiting: it was already revealed or has expired', EXIT.NOT_FOUND)
    throw explain(err)
  }
}

/**
 * A text answer's envelope, revealed (and so destroyed); undefined for a file answer, which the
 * text reveal refuses without consuming it (a server's status may not say which kind it holds).
 */
async function revealText (base: string): Promise<string | undefined> {
  try {
    return (await request<{ secret: string }>('GET', base)).secret
  } catch (err) {
    if (err instanceof ApiError && err.code === 'SECRET_IS_FILE') return undefined
    throw err
  }
}

interface Target { output: string | undefined, force: boolean }

async function getText (url: string, fragmentKey: string, headers: Record<string, string>, target: Target): Promise<number> {
  const { secret } = await request<{ secret: string }>('GET', url, { headers })
  let text = secret
  if (isEnvelope(secret)) {
    try {
      text = await open(secret, fragmentKey)
    } catch {
      throw new CliError('the secret was received but could not be decrypted: the link\'s key is wrong or damaged; it no longer exists on the server', EXIT.UNREADABLE)
    }
  }
  return await writeText(text, target)
}

/** Text to standard output as it is (no newline added), or to -o FILE. */
async function writeText (text: string, target: Target): Promise<number> {
  if (target.output === undefined || target.output === '-') {
    process.stdout.write(text)
    return EXIT.OK
  }
  const path = await saveChunks(resolve(target.output), [new TextEncoder().encode(text)], { force: target.force, alternatives: false })
  say(`saved the text to ${path}`)
  return EXIT.OK
}

/** Downloads a file once and saves what `openBody` decrypts: a secret's zkf1, or a request's file answer. */
async function getFile (url: string, headers: Record<string, string>, target: Target, openBody: (body: ReadableStream<Uint8Array>) => Promise<OpenedFile>): Promise<number> {
  let res: Response
  try {
    res = await fetch(url, { headers: { accept: 'application/octet-stream', ...headers }, cache: 'no-store' })
  } catch {
    throw new ApiError(0, NETWORK_ERROR)
  }
  if (!res.ok || res.body === null) throw await errorFrom(res)
  try {
    const { meta, chunks } = await openBody(res.body)
    const toStdout = target.output === '-'
    if (meta.text !== undefined) (toStdout ? process.stderr : process.stdout).write(`${meta.text}\n`)
    if (toStdout) {
      for await (const chunk of chunks) {
        if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve))
      }
      return EXIT.OK
    }
    const path = target.output ?? safeName(meta.name)
    const saved = await saveChunks(resolve(path), chunks, { force: target.force, alternatives: target.output === undefined })
    say(`saved ${saved === resolve(path) ? path : saved} (${formatBytes(meta.size)})${path === meta.name ? '' : `; the sender named it ${JSON.stringify(meta.name)}`}`)
    return EXIT.OK
  } catch (err) {
    if (err instanceof EnvelopeError) {
      throw new CliError(`the file was received but could not be decrypted (${err.message}): the link's key is wrong or the file was damaged; it no longer exists on the server`, EXIT.UNREADABLE)
    }
    if (err instanceof TypeError) throw new CliError('the download broke off: the file no longer exists on the server (it can be downloaded once)', EXIT.FAILED)
    throw err
  }
}
