// Mends postgres.js in node_modules (ADR 10). npm runs it after every install (package.json
// "postinstall"); the image build runs it after `npm ci --ignore-scripts`. Two defects of
// postgres.js 3.4.9 and one costly default, each changed by exact edits to the three builds of
// one module:
//
// The connection queue (src/queue.js): shift() leaves an empty slot at the front of an array that
// is only reset once the queue runs empty. Under sustained load every connection is busy, the busy
// queue never runs empty, and each query adds a slot; remove() then scans them all (indexOf from
// 0). CPU per query grows with the number of queries served under load
// (scripts/bench/pool-queue.ts: 5 → 60 µs after 180,000) and the array by 8 bytes per query. The
// patch starts remove()'s scan at the first live slot and drops the consumed slots once they are
// at least half the array: O(1) amortised, bounded memory, the same order and results as before.
//
// Finished queries (src/connection.js): a resolved Query keeps its arguments, their serialized
// text (a bytea's hex: twice its size) and its SQL text. Something keeps finished queries
// reachable across young-generation collections (not identified: a heap snapshot, which runs a
// full collection, finds none alive), so all of it was promoted to the old generation — ~5 KB per
// Burnlink create — and paid for with a mark-compact every few seconds. The patch lets go of them
// once the query has resolved successfully (the error paths, which report them, are untouched).
//
// Query writes (src/connection.js): a query's messages wait in a buffer for the end of the
// event-loop turn, so that the queries pipelined on one connection go out in one write(); but a
// buffer of 1 KiB or more is written at once. Every Burnlink create is over 1 KiB (the ciphertext
// as text, over 1.3 times its size), so each paid a socket write of its own, and on loopback the
// write runs the whole TCP path to PostgreSQL. The patch raises the limit to 16 KiB (Node's default high-water mark for a
// socket): an A/B on a 2-vCPU VM gave 0.5 fewer write calls and 15 % less server CPU per create
// (ADR 10). Queries of 16 KiB and more, and writes with a callback, still go out at once.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const POSTGRES = new URL('../node_modules/postgres/', import.meta.url)
export const EXPECTED_VERSION = '3.4.9'
const MARK = '// burnlink: scripts/patch-postgres.ts'

type Edit = readonly [from: string, to: string]

interface ModulePatch {
  /** What it fixes, for messages. */
  readonly name: string
  /** The three builds of the module: ESM (Node's import), Cloudflare Workers, CommonJS. */
  readonly files: readonly string[]
  readonly edits: readonly Edit[]
}

export const QUEUE_PATCH: ModulePatch = {
  name: 'connection queue',
  files: ['src/queue.js', 'cf/src/queue.js', 'cjs/src/queue.js'],
  edits: [
    [
      `    remove: (x) => {
      const index = xs.indexOf(x)
      return index === -1
        ? null
        : (xs.splice(index, 1), x)
    },`,
      `    remove: (x) => {
      ${MARK}: the slots before index are consumed, never x
      const at = xs.indexOf(x, index)
      return at === -1
        ? null
        : (xs.splice(at, 1), x)
    },`
    ],
    [
      `      } else {
        xs[index - 1] = undefined
      }`,
      `      } else {
        xs[index - 1] = undefined
        ${MARK}: a queue that never runs empty must not grow
        if (index >= 64 && index * 2 >= xs.length) {
          xs = xs.slice(index)
          index = 0
        }
      }`
    ]
  ]
}

export const FINISHED_QUERY_PATCH: ModulePatch = {
  name: 'finished queries',
  files: ['src/connection.js', 'cf/src/connection.js', 'cjs/src/connection.js'],
  edits: [
    [
      `      } else {
        query.resolve(results || result)
      }`,
      `      } else {
        query.resolve(results || result)
        ${MARK}: a finished query lets go of its arguments and their text
        query.args = query.parameters = query.string = query.signature = null
      }`
    ]
  ]
}

export const WRITE_COALESCING_PATCH: ModulePatch = {
  name: 'query writes',
  files: ['src/connection.js', 'cf/src/connection.js', 'cjs/src/connection.js'],
  edits: [
    [
      `    chunk = chunk ? Buffer.concat([chunk, x]) : Buffer.from(x)
    if (fn || chunk.length >= 1024)`,
      `    chunk = chunk ? Buffer.concat([chunk, x]) : Buffer.from(x)
    ${MARK}: queries over 1 KiB (every create) join the turn's one write too
    if (fn || chunk.length >= 16384)`
    ]
  ]
}

export const PATCHES: readonly ModulePatch[] = [QUEUE_PATCH, FINISHED_QUERY_PATCH, WRITE_COALESCING_PATCH]

/** The patched text of an unpatched module, or undefined if the text is not what the patch expects. */
export function patchModule (patch: ModulePatch, source: string): string | undefined {
  return applyEdits(patch.edits, source, 'forward')
}

/** The text before the patch, from a patched module (the tests and the bench compare the two). */
export function unpatchModule (patch: ModulePatch, source: string): string | undefined {
  return applyEdits(patch.edits, source, 'backward')
}

export function patchQueue (source: string): string | undefined {
  return patchModule(QUEUE_PATCH, source)
}

export function unpatchQueue (source: string): string | undefined {
  return unpatchModule(QUEUE_PATCH, source)
}

function applyEdits (edits: readonly Edit[], source: string, direction: 'forward' | 'backward'): string | undefined {
  let out = source
  for (const [from, to] of edits) {
    const [find, put] = direction === 'forward' ? [from, to] : [to, from]
    // Each edit must match exactly once, or the file is not the text the patch was written for.
    if (out.split(find).length !== 2) return undefined
    out = out.replace(find, put)
  }
  return out
}

export interface Queue<T> { shift: () => T | undefined, remove: (x: T) => T | null, push: (x: T) => T, readonly length: number }
export type QueueFactory = <T>(initial?: T[]) => Queue<T>

/** A queue.js text as a module of its own, so the published and the patched queue can run side by side. */
export async function loadQueue (source: string): Promise<QueueFactory> {
  return ((await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`)) as { default: QueueFactory }).default
}

/** Whether the text carries this patch (a module may carry several). */
export function isApplied (patch: ModulePatch, source: string): boolean {
  return unpatchModule(patch, source) !== undefined
}

function main (): void {
  const { version } = JSON.parse(readFileSync(new URL('package.json', POSTGRES), 'utf8')) as { version: string }
  for (const patch of PATCHES) {
    for (const file of patch.files) {
      const path = fileURLToPath(new URL(file, POSTGRES))
      const source = readFileSync(path, 'utf8')
      if (isApplied(patch, source)) continue
      const patched = version === EXPECTED_VERSION ? patchModule(patch, source) : undefined
      if (patched === undefined) {
        // Loud on purpose: unpatched, the pool slows down the longer the server is under load.
        process.stderr.write(`patch-postgres: postgres ${version}'s ${file} is not the text this patch (${patch.name}) was written for (${EXPECTED_VERSION}).\n` +
          'Check whether upstream fixed it (docs/adr/0010-patched-postgres-queue.md), then update or remove scripts/patch-postgres.ts.\n')
        process.exit(1)
      }
      writeFileSync(path, patched)
    }
  }
  process.stdout.write(`patch-postgres: postgres ${version} patched (${PATCHES.map((p) => p.name).join(', ')})\n`)
}

if (import.meta.main) main()
