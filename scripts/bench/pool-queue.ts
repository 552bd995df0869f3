// Micro-benchmark behind ADR 10: postgres.js's connection queue under the pool's round robin when
// every connection is busy (shift the next connection, remove it from its queue, push it back:
// src/index.js go() and move()), as installed (patched) and as published (unpatched).
// Run: node scripts/bench/pool-queue.ts
import { readFileSync } from 'node:fs'
import { unpatchQueue } from '../patch-postgres.ts'

type Queue<T> = { shift: () => T, remove: (x: T) => T | null, push: (x: T) => T, readonly length: number }
type QueueFactory = <T>(initial?: T[]) => Queue<T>

const installed = readFileSync(new URL('../../node_modules/postgres/src/queue.js', import.meta.url), 'utf8')
const published = unpatchQueue(installed)
if (published === undefined) throw new Error('node_modules/postgres/src/queue.js is not patched: run node scripts/patch-postgres.ts')

async function load (source: string): Promise<QueueFactory> {
  return ((await import(`data:text/javascript;base64,${Buffer.from(source).toString('base64')}`)) as { default: QueueFactory }).default
}

const CONNECTIONS = 10
const BLOCK = 30_000
for (const [name, source] of [['published (3.4.9)', published], ['patched', installed]] as const) {
  const Queue = await load(source)
  const busy = Queue(Array.from({ length: CONNECTIONS }, (_, i) => ({ i })))
  const line: string[] = []
  for (let served = BLOCK; served <= 6 * BLOCK; served += BLOCK) {
    const before = process.cpuUsage()
    for (let k = 0; k < BLOCK; k++) {
      const connection = busy.shift()
      busy.remove(connection)
      busy.push(connection)
    }
    const used = process.cpuUsage(before)
    line.push(`${served / 1000}k: ${((used.user + used.system) / BLOCK).toFixed(2)}`)
  }
  process.stdout.write(`${name.padEnd(18)} µs per query, by queries served: ${line.join('  ')}\n`)
}
