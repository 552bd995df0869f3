// HEAP_GROWING_PERCENT reaches V8 after start: the factor V8 uses at the next full collection is
// the configured one (read from V8's own trace), and 0 leaves V8's choice alone.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { loadConfig } from '../functions/_lib/config.ts'

const moduleUrl = new URL('../functions/_lib/heap-growing.ts', import.meta.url).href

/** The growing factors V8 reports after applyHeapGrowingPercent(percent) and two full collections. */
function factorsAfter (percent: number): string[] {
  const script = `import { applyHeapGrowingPercent } from '${moduleUrl}'
applyHeapGrowingPercent(${percent})
const keep = []
for (let i = 0; i < 200000; i++) keep.push({ i })
globalThis.gc()
globalThis.gc()`
  const run = spawnSync(process.execPath, ['--expose-gc', '--trace-gc-verbose', '--input-type=module', '-e', script], { encoding: 'utf8' })
  assert.equal(run.status, 0, run.stderr)
  return [...run.stdout.matchAll(/\[HeapController\] factor (\d+\.\d)/g)].map((m) => m[1] ?? '')
}

test('a configured percent becomes the factor of V8\'s next collections', () => {
  const factors = factorsAfter(50)
  assert.ok(factors.length > 0, 'V8 traced its growing factor')
  assert.deepEqual(new Set(factors), new Set(['1.5']))
})

test('0 leaves the factor to V8, which picks its own', () => {
  const factors = factorsAfter(0)
  assert.ok(factors.length > 0, 'V8 traced its growing factor')
  assert.ok(factors.some((factor) => factor !== '1.5' && factor !== '1.1'), `V8's own factors: ${factors.join(', ')}`)
})

test('HEAP_GROWING_PERCENT defaults to 50 and refuses what is not a percentage', () => {
  assert.equal(loadConfig({}).heapGrowingPercent, 50)
  assert.equal(loadConfig({ HEAP_GROWING_PERCENT: '0' }).heapGrowingPercent, 0)
  assert.throws(() => loadConfig({ HEAP_GROWING_PERCENT: '-5' }), /HEAP_GROWING_PERCENT=-5 is invalid/)
  assert.throws(() => loadConfig({ HEAP_GROWING_PERCENT: 'small' }), /HEAP_GROWING_PERCENT="small" is invalid/)
})
