// Mends postgres.js's connection queue in node_modules (ADR 10). npm runs it after every install
// (package.json "postinstall"); the image build runs it after `npm ci --ignore-scripts`.
//
// postgres.js 3.4.9 keeps its pool's connections in queues (src/queue.js) whose shift() leaves an
// empty slot at the front of an array that is only reset once the queue runs empty. Under
// sustained load every connection is busy, the busy queue never runs empty, and each query adds a
// slot; remove() then scans them all (indexOf from 0). CPU per query grows with the number of
// queries served under load (scripts/bench/pool-queue.ts: 5 → 60 µs after 180,000) and the array
// grows by 8 bytes per query. The patch starts remove()'s scan at the first live slot and drops
// the consumed slots once they are at least half the array: O(1) amortised, bounded memory, and
// the same order and results as before.
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const POSTGRES = new URL('../node_modules/postgres/', import.meta.url)
/** The three builds of the module: ESM (Node's import), Cloudflare Workers, CommonJS. */
export const QUEUE_FILES = ['src/queue.js', 'cf/src/queue.js', 'cjs/src/queue.js'] as const
export const EXPECTED_VERSION = '3.4.9'
const MARK = '// burnlink: scripts/patch-postgres.ts'

const EDITS: ReadonlyArray<readonly [from: string, to: string]> = [
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

/** The patched text of an unpatched queue.js, or undefined if the text is not what the patch expects. */
export function patchQueue (source: string): string | undefined {
  return applyEdits(source, 'forward')
}

/** The text before the patch, from a patched queue.js (the test and the bench compare the two). */
export function unpatchQueue (source: string): string | undefined {
  return applyEdits(source, 'backward')
}

function applyEdits (source: string, direction: 'forward' | 'backward'): string | undefined {
  let out = source
  for (const [from, to] of EDITS) {
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

export function isPatched (source: string): boolean {
  return source.includes(MARK)
}

function main (): void {
  const { version } = JSON.parse(readFileSync(new URL('package.json', POSTGRES), 'utf8')) as { version: string }
  for (const file of QUEUE_FILES) {
    const path = fileURLToPath(new URL(file, POSTGRES))
    const source = readFileSync(path, 'utf8')
    if (isPatched(source)) continue
    const patched = version === EXPECTED_VERSION ? patchQueue(source) : undefined
    if (patched === undefined) {
      // Loud on purpose: an unpatched pool slows down the longer the server is under load.
      process.stderr.write(`patch-postgres: postgres ${version}'s ${file} is not the text this patch was written for (${EXPECTED_VERSION}).\n` +
        'Check whether upstream fixed the queue (docs/adr/0010-patched-postgres-queue.md), then update or remove scripts/patch-postgres.ts.\n')
      process.exit(1)
    }
    writeFileSync(path, patched)
  }
  process.stdout.write(`patch-postgres: postgres ${version} connection queue patched\n`)
}

if (import.meta.main) main()
