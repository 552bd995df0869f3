// The benchmark suite's arithmetic: what it reports must follow from what it measured.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseOptions } from '../scripts/bench/options.ts'
import { summarizeProfile } from '../scripts/bench/profile.ts'
import { percentile, spread } from '../scripts/bench/stats.ts'

test('spread gives the median with the min–max of the rounds', () => {
  assert.deepEqual(spread([30, 10, 20]), { median: 20, min: 10, max: 30 })
  assert.deepEqual(spread([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4 })
})

test('percentile uses the nearest rank, so p99 of 100 samples is the 99th value', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
  assert.equal(percentile(sorted, 50), 50)
  assert.equal(percentile(sorted, 99), 99)
  assert.equal(percentile(sorted, 100), 100)
})

test('bench options reject an unknown phase instead of silently running nothing', () => {
  assert.throws(() => parseOptions(['--only=revael']), /unknown phase revael/)
  assert.deepEqual([...parseOptions(['--only=reveal,churn']).only], ['reveal', 'churn'])
  assert.equal(parseOptions(['--quick']).churnMinutes, 0.5)
  assert.equal(parseOptions([]).churnMinutes, 10)
})

test('the profile summary charges native self time to the package that called it and leaves idle out', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 })
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 4, 5] },
      { id: 2, callFrame: frame('write', 'file:///app/node_modules/postgres/src/connection.js'), children: [3] },
      { id: 3, callFrame: frame('writeBuffer', ''), children: [] },
      { id: 4, callFrame: frame('(idle)', ''), children: [] },
      { id: 5, callFrame: frame('handler', 'file:///app/functions/read-secret.ts'), children: [] }
    ],
    samples: [3, 3, 3, 4, 4, 4, 4, 5],
    timeDeltas: [1000, 1000, 1000, 9000, 9000, 9000, 9000, 1000],
    startTime: 0,
    endTime: 40_000
  }
  const summary = summarizeProfile(profile)
  assert.equal(summary.totalMs, 4) // 3 ms of writeBuffer + 1 ms of handler; 36 ms idle excluded
  assert.deepEqual(summary.byFunction.map((h) => [h.name, h.share, h.where]), [
    ['writeBuffer', 0.75, 'via postgres/src/connection.js'],
    ['handler', 0.25, 'functions/read-secret.ts:1']
  ])
  assert.deepEqual(summary.byPackage.map((h) => h.name), ['postgres (in Node/native code)', 'functions/read-secret.ts'])
})
