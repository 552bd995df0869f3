// Micro-benchmark: CPU per create's worth of randomness (two 32-byte tokens and a 12-byte nonce),
// three crypto.randomBytes calls vs functions/_lib/random.ts. Run: node scripts/bench/random-bytes.ts
import { randomBytes as nodeRandomBytes } from 'node:crypto'
import { randomBytes } from '../../functions/_lib/random.ts'

const ROUNDS = 200_000
const cpuMicros = (): number => { const usage = process.cpuUsage(); return usage.user + usage.system }
const measure = (draw: (size: number) => Buffer): number => {
  const start = cpuMicros()
  for (let i = 0; i < ROUNDS; i++) { draw(32); draw(32); draw(12) }
  return (cpuMicros() - start) / ROUNDS
}
for (let round = 1; round <= 3; round++) {
  const direct = measure(nodeRandomBytes)
  const pooled = measure(randomBytes)
  process.stdout.write(`round ${round}: crypto.randomBytes ×3 ${direct.toFixed(2)} µs, functions/_lib/random.ts ×3 ${pooled.toFixed(2)} µs of CPU\n`)
}
