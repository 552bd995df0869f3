// Where a received file goes: a safe name in the current directory (or -o), written whole or not
// at all, and never over an existing file without --force.
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { copyFile, link, open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, extname, join } from 'node:path'
import { CliError, EXIT } from './output.ts'

const MAX_NAME_BYTES = 200
// Characters that could hide the real extension or mean something to a shell or another system.
// eslint-disable-next-line no-control-regex -- control characters are exactly what it removes
const UNSAFE = /[\u0000-\u001f\u007f<>:"/\\|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]/g

/**
 * The sender's name reduced to a plain file name: no directories, no control or direction
 * characters, no leading dot (a received ".envrc" or ".npmrc" would act in this directory).
 */
export function safeName (name: string): string {
  const last = name.split(/[/\\]/).pop() ?? ''
  let safe = last.replace(UNSAFE, '_').replace(/^[.\s]+/, '').replace(/[.\s]+$/, '')
  if (safe === '') return 'burnlink-file'
  const ext = extname(safe).length <= 16 ? extname(safe) : ''
  let stem = safe.slice(0, safe.length - ext.length)
  while (Buffer.byteLength(stem + ext) > MAX_NAME_BYTES) stem = [...stem].slice(0, -1).join('')
  safe = stem + ext
  return safe
}

/** "report (1).pdf", "report (2).pdf", … for the nth free alternative. */
function numbered (path: string, n: number): string {
  const ext = extname(path)
  return `${path.slice(0, path.length - ext.length)} (${n})${ext}`
}

/**
 * Writes the chunks to a hidden file beside the target, then gives it the target's name: a file
 * that fails to decrypt halfway leaves nothing behind. With `alternatives`, an existing target
 * leads to the next free "name (n).ext" instead of a refusal. Returns the path written.
 */
export async function saveChunks (path: string, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { force: boolean, alternatives: boolean }): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.part`)
  const handle = await open(temp, 'wx', 0o600)
  try {
    for await (const chunk of chunks) await handle.write(chunk)
    await handle.close()
  } catch (err) {
    await handle.close().catch(() => {})
    await unlink(temp).catch(() => {})
    throw err
  }
  try {
    if (options.force) {
      await rename(temp, path)
      return path
    }
    for (let n = 0; ; n++) {
      const candidate = n === 0 ? path : numbered(path, n)
      try {
        await placeExclusively(temp, candidate)
        return candidate
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
        if (!options.alternatives) throw new CliError(`${path} exists: not overwritten (use --force)`, EXIT.EXISTS)
      }
    }
  } finally {
    await unlink(temp).catch(() => {})
  }
}

/** A hard link fails if the name exists, atomically; filesystems without links get an exclusive copy. */
async function placeExclusively (temp: string, path: string): Promise<void> {
  try {
    await link(temp, path)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EEXIST' || (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EXDEV')) throw err
    await copyFile(temp, path, constants.COPYFILE_EXCL)
  }
}
