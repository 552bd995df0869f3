// What send and respond encrypt: a FILE, read a chunk at a time, or standard input, read whole
// (an upload states its length first); and the server's limits it has to fit.
import { open as openPath, type FileHandle } from 'node:fs/promises'
import { basename } from 'node:path'
import { request, type WebConfig } from '../web/src/api.ts'
import type { FileInfo, FileSource } from '../web/src/zkfile.ts'
import { CliError, EXIT, formatBytes, say } from './output.ts'

export interface Limits { maxBytes: number, fileMaxBytes: number }

// What a server that does not publish its limits (no web app built) takes by default.
const DEFAULT_LIMITS: Limits = { maxBytes: 65_536, fileMaxBytes: 32 * 1024 * 1024 }

/** The server's limits from the web app's /config.json; the defaults when it has none. */
export async function serverLimits (server: string): Promise<Limits> {
  try {
    const config = await request<WebConfig>('GET', `${server}/config.json`)
    return { maxBytes: config.maxBytes, fileMaxBytes: config.fileMaxBytes ?? DEFAULT_LIMITS.fileMaxBytes }
  } catch {
    return DEFAULT_LIMITS
  }
}

export interface Input {
  /** Set when the input may go as text: its UTF-8 length and value. */
  text: { length: number, value: string } | undefined
  info: FileInfo
  source: FileSource
  close: () => Promise<void>
}

/** A FILE goes as a file, under its own name, whatever it holds. */
export async function openFile (path: string): Promise<Input> {
  let handle: FileHandle
  try {
    handle = await openPath(path, 'r')
  } catch (err) {
    throw new CliError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, EXIT.FAILED)
  }
  const stat = await handle.stat()
  if (!stat.isFile()) {
    await handle.close()
    throw new CliError(`${path} is not a regular file`, EXIT.USAGE)
  }
  return {
    text: undefined,
    info: { name: basename(path), type: '' },
    source: {
      size: stat.size,
      read: async (start, end) => {
        const buffer = new Uint8Array(end - start)
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, start)
        return buffer.subarray(0, bytesRead)
      }
    },
    close: async () => { await handle.close() }
  }
}

/**
 * All of standard input, refused as soon as it passes what the server could take as a file; it
 * may go as text if it is valid UTF-8, else as a file named "stdin". `what` names it in the prompt.
 */
export async function readStdin (fileMaxBytes: number, what: 'secret' | 'answer'): Promise<Input> {
  if (process.stdin.isTTY) say(`type the ${what}, then Ctrl-D on a line of its own`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer)
    size += (chunk as Buffer).length
    if (size > fileMaxBytes) {
      throw new CliError(`standard input is too large: the server takes files up to ${formatBytes(fileMaxBytes)} (FILE_MAX_BYTES)`, EXIT.TOO_LARGE)
    }
  }
  if (size === 0) throw new CliError('standard input is empty: nothing to send', EXIT.USAGE)
  const bytes = Buffer.concat(chunks)
  let text: Input['text']
  try {
    text = { length: size, value: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) }
  } catch {
    text = undefined
  }
  return {
    text,
    info: { name: 'stdin', type: '' },
    source: { size, read: async (start, end) => bytes.subarray(start, end) },
    close: async () => {}
  }
}

/** Refuses, before anything is sent, a file whose envelope (`length` bytes) is over FILE_MAX_BYTES. */
export function checkFileLength (name: string, length: number, fileMaxBytes: number): void {
  if (length > fileMaxBytes) {
    throw new CliError(`${name} is too large: ${formatBytes(length)} encrypted, and the server takes files up to ${formatBytes(fileMaxBytes)} (FILE_MAX_BYTES)`, EXIT.TOO_LARGE)
  }
}
