// Micro-benchmark behind ADR 10: postgres.js's connection queue under the pool's round robin when
// every connection is busy (shift the next connection, remove it from its queue, push it back:
// src/index.js go() and move()), as installed (patched) and as published (unpatched).
// Run: node scripts/bench/pool-queue.ts
import { readFileSync } from 'node:fs'
import { loadQueue, unpatchQueue } from '../patch-postgres.ts'

const installed = readFileSync(new URL('../../node_modules/postgres/src/queue.js', import.meta.url), 'utf8')
const published = unpatchQueue(installed)
if (published === undefined) throw new Error('node_modules/postgres/src/queue.js is not patched: run node scripts/patch-postgres.ts')

const CONNECTIONS = 10
const BLOCK = 30_000
for (const [name, source] of [['published (3.4.9)', published], ['patched', installed]] as const) {
  const Queue = await loadQueue(source)
  const busy = Queue(Array.from({ length: CONNECTIONS }, (_, i) => ({ i })))
  const line: string[] = []
  for (let served = BLOCK; served <= 6 * BLOCK; served += BLOCK) {
    const before = process.cpuUsage()
    for (let k = 0; k < BLOCK; k++) {
      const connection = busy.shift()
      if (connection === undefined) throw new Error('the busy queue ran empty')
      busy.remove(connection)
      busy.push(connection)
    }
    const used = process.cpuUsage(before)
    line.push(`${served / 1000}k: ${((used.user + used.system) / BLOCK).toFixed(2)}`)
  }
  process.stdout.write(`${name.padEnd(18)} µs per query, by queries served: ${line.join('  ')}\n`)
}
