// The benchmark suite's arithmetic: what it reports must follow from what it measured.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { test } from 'node:test'
import { fixedRateRounds } from '../scripts/bench/fixed-rate.ts'
import { productionArgsWith } from '../scripts/bench/setting-sweep.ts'
import { parseOptions } from '../scripts/bench/options.ts'
import { renderMarkdown } from '../scripts/bench/report.ts'
import { evaluateTargets } from '../scripts/bench/targets.ts'
import type { BenchResults, FixedRateResult } from '../scripts/bench/results.ts'
import { PeakRss } from '../scripts/bench/peak-rss.ts'
import { summarizeProfile } from '../scripts/bench/profile.ts'
import { summarizeWindows, type HeapProfile } from '../scripts/bench/allocation.ts'
import { purgePace, purgeWindowSeconds } from '../scripts/bench/scale.ts'
import { SERVER_NODE_ARGS } from '../scripts/bench/server.ts'
import { percentile, spread } from '../scripts/bench/stats.ts'

/**
 * A results.json of `npm run bench -- --only=<phases>` around the given phase results. Fixtures
 * carry only the fields the report reads, hence the cast.
 */
function selectedPhasesRun (phases: string, results: Record<string, unknown>): BenchResults {
  return {
    startedAt: '2026-11-25T17:00:00.000Z',
    command: `npm run bench -- --only=${phases}`,
    code: { commit: 'abc1234', modified: [] },
    quick: false,
    machine: { cpus: 2, cpuModel: 'test', memoryGiB: 24, kernel: '6', node: 'v24', loadAverageAtStart: [0, 0, 0] },
    postgres: { version: '15', synchronous_commit: 'on', fsync: 'on', shared_buffers: '128MB' },
    settings: { fixedRate: 1000, connections: 50, rounds: 3, warmupSeconds: 3, measureSeconds: 10, poolSize: 10 },
    baselines: {},
    workloads: {},
    embedded: {},
    ...results
  } as unknown as BenchResults
}

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

test('the allocation summary divides sampled bytes by requests and charges Node\'s frames to their caller', () => {
  const frame = (functionName: string, url: string, selfSize: number, children: HeapProfile['head'][] = []): HeapProfile['head'] =>
    ({ callFrame: { functionName, url, lineNumber: 0 }, selfSize, children })
  const root = '/srv/burnlink'
  // handler (project) → query (postgres.js) → Buffer.from (node:) allocates 600 B; the handler 300 B
  // itself; an HTTP parser callback with no project frame 100 B; a hook's done() 100 B in Fastify.
  const profile = (scale: number): HeapProfile => ({
    head: frame('(root)', '', 0, [
      frame('handler', `file://${root}/functions/read-secret.ts`, 300 * scale, [
        frame('query', `file://${root}/node_modules/postgres/src/connection.js`, 0, [frame('from', 'node:buffer', 600 * scale)])
      ]),
      frame('parserOnIncoming', 'node:_http_server', 100 * scale),
      // a callback hook whose done() sends the reply: Fastify then Node allocate 100 B
      frame('onSend', `file://${root}/functions/_host/database-gate.ts`, 0, [
        frame('onSendEnd', `file://${root}/node_modules/fastify/lib/reply.js`, 0, [frame('processHeader', 'node:_http_outgoing', 100 * scale)])
      ])
    ])
  })
  const summary = summarizeWindows('reveal', 1000, [{ requests: 10, profile: profile(1) }, { requests: 10, profile: profile(3) }])
  assert.deepEqual(summary.bytesPerRequest, { median: 220, min: 110, max: 330 })
  assert.deepEqual(summary.requests, [10, 10])
  assert.deepEqual(summary.byPackage.map((s) => [s.name, s.share]), [['postgres', 0.545], ['functions/read-secret.ts', 0.273], ['(no JavaScript caller)', 0.0909], ['fastify', 0.0909]])
  assert.deepEqual(summary.byProjectFrame.map((s) => [s.name, s.share]), [
    ['functions/read-secret.ts: handler', 0.818], ['(none)', 0.0909], ['functions/_host/database-gate.ts: onSend → fastify', 0.0909]
  ])
  assert.deepEqual(summary.byFunction[0], { name: 'from', where: 'node:buffer:1', share: 0.545 })
  // The report says which count it shows: all that was allocated, or only what survived scavenges.
  const allocated = renderMarkdown(selectedPhasesRun('allocation', { allocation: [summary] }))
  const survivors = renderMarkdown(selectedPhasesRun('allocation', { allocation: [{ ...summary, survivorsOnly: true }] }))
  assert.match(allocated, /heap allocated per reveal at 1,000\/s .*objects already collected included/)
  assert.match(survivors, /heap per reveal at 1,000\/s that survived scavenges into the old generation/)
  assert.doesNotMatch(survivors, /objects already collected included/)
})

test('latency targets read medians over rounds: fixed-rate p99 beside the bare route at the same rate, passphrase interference', () => {
  assert.equal(fixedRateRounds({ rounds: 2, quick: false }), 3)
  assert.equal(fixedRateRounds({ rounds: 5, quick: false }), 5)
  assert.equal(fixedRateRounds({ rounds: 2, quick: true }), 2)
  const at = (workload: string, p99s: number[]): FixedRateResult => {
    const sorted = [...p99s].sort((a, b) => a - b)
    return { workload, rate: 1000, rounds: [], p50Ms: 1.5, p99Ms: sorted[1] as number, p99RangeMs: { min: sorted[0] as number, max: sorted[2] as number }, failures: 0 }
  }
  const results = selectedPhasesRun('fixed-rate', {
    fixedRate: [at('create', [21.3, 7.2, 12.4]), at('reveal', [4.5, 6.1, 5.2])],
    fixedRateBare: [at('create', [2.1, 1.8, 2.5])],
    passphraseInterference: {
      hashesPerSecond: 107,
      aloneP99Ms: { median: 3.92, min: 3.89, max: 7.74 },
      besideP99Ms: { median: 12.3, min: 7.98, max: 17.4 },
      p99Ratio: 3.14,
      // The first round's windows: not what the target reads when rounds exist.
      revealAlone: { latencyMs: { p99: 7.74 } },
      revealWithPassphraseLoad: { latencyMs: { p99: 7.98 } }
    }
  })
  const [create, reveal] = evaluateTargets(results).filter((t) => t.name.includes('p99 at 1000'))
  assert.equal(create?.met, false)
  assert.match(create?.measured ?? '', /^12\.4 ms \(7\.20–21\.3\)/)
  assert.match(create?.measured ?? '', /the bare route at this rate: p99 2\.10 ms/)
  assert.equal(reveal?.met, true)
  assert.doesNotMatch(reveal?.measured ?? '', /bare route/)
  const interference = evaluateTargets(results).find((t) => t.name.includes('passphrase'))
  assert.equal(interference?.measured, '3.14× (12.3 (7.98–17.4) vs 3.92 (3.89–7.74) ms, medians over rounds); 107 Argon2id hashes/s')
  // results.json carries a NaN ratio as null: a phase without a result is not a target met.
  const failed = { ...results, passphraseInterference: { ...results.passphraseInterference, p99Ratio: null } } as unknown as BenchResults
  const none = evaluateTargets(failed).find((t) => t.name.includes('passphrase'))
  assert.equal(none?.met, undefined)
  assert.match(none?.measured ?? '', /^no result: a round had no successful request/)
  const markdown = renderMarkdown(results)
  assert.match(markdown, /\(selected phases,/)
  assert.match(markdown, /\| create \| 1000\/s \| – \| 1\.50 \| – \| 12\.4 \(7\.20–21\.3\) \| 2\.10 \|/)
})

test('a setting sweep varies one node flag and keeps the rest of production\'s, and the report shows one row per value', () => {
  assert.deepEqual(productionArgsWith('--max-semi-space-size', 8), ['--max-semi-space-size=8'])
  assert.deepEqual(productionArgsWith('--max-semi-space-size', null), [])
  assert.deepEqual(productionArgsWith('--stack-size', 900), [...SERVER_NODE_ARGS, '--stack-size=900'])
  const summary = (median: number) => ({ okPerSecond: { median, min: median, max: median }, p99Ms: { median: 15.2, min: 14.4, max: 25.4 }, serverCpuUs: { median: 100, min: 90, max: 110 } })
  const results = selectedPhasesRun('young-generation,heap-growing', {
    youngGeneration: [{ semiSpaceMiB: 16, peakRssMiB: 200, workloads: { create: summary(7000), reveal: summary(8000) } }],
    heapGrowing: [
      { heapGrowingPercent: 0, peakRssMiB: 230.4, workloads: { create: summary(7000), 'create-passphrase': summary(140), reveal: summary(8000) } },
      { heapGrowingPercent: 10, peakRssMiB: 180.2, workloads: { create: summary(6900), 'create-passphrase': summary(130), reveal: summary(8100) } }
    ]
  })
  const markdown = renderMarkdown(results)
  assert.match(markdown, /\| growing \| peak RSS MiB \| create ok\/s \| create p99 ms \| create server CPU µs\/req \| create-passphrase ok\/s \| create-passphrase p99 ms \| create-passphrase server CPU µs\/req \| reveal ok\/s \|/)
  assert.match(markdown, /\| V8's own \| 230 \| 7,000 \(7,000–7,000\) \| 15\.2 \(14\.4–25\.4\) \| 100 \(90–110\) \| 140 \(140–140\) \| 15\.2 \(14\.4–25\.4\) \| 100 \(90–110\) \| 8,000 \(8,000–8,000\) \| 15\.2 \(14\.4–25\.4\) \| 100 \(90–110\) \|/)
  assert.match(markdown, /\| 10 % \| 180 \| 6,900 /)
  // The young-generation table keeps the columns it always had, so earlier runs render as before.
  assert.match(markdown, /\| semi-space \| peak RSS MiB \| create ok\/s \| create server CPU µs\/req \| reveal ok\/s \| reveal server CPU µs\/req \|\n\|---\|---\|---\|---\|---\|---\|\n\| 16 MiB \| 200 \|/)
})

test('the purge phase runs at production\'s pace unless PURGE_ROWS_PER_SECOND is given, and its reads outlast a slow pace', () => {
  assert.equal(purgePace(undefined), 5000)
  assert.equal(purgePace('10000'), 10_000)
  assert.equal(purgePace('0'), 0)
  assert.throws(() => purgePace('fast'), /PURGE_ROWS_PER_SECOND/)
  assert.throws(() => purgePace('-1'), /PURGE_ROWS_PER_SECOND/)
  // 1 M rows at 5,000/s take 200 s: the reads must still be running when the purge ends.
  assert.ok(purgeWindowSeconds(1_000_000, 5000, false) >= 200 * 1.25)
  assert.equal(purgeWindowSeconds(1_000_000, 10_000, false), 240)
  assert.equal(purgeWindowSeconds(1_000_000, 0, false), 240)
  assert.ok(purgeWindowSeconds(100_000, 5000, true) >= 20 * 1.25)
})

test('the restated latency target reads the 200/s tail against the bare route\'s at 200/s', () => {
  const at = (workload: string, rate: number, p99Ms: number): FixedRateResult => ({ workload, rate, rounds: [], p50Ms: 1, p99Ms, failures: 0 })
  const results = selectedPhasesRun('fixed-rate', {
    fixedRate: [at('create', 200, 7.7), at('reveal', 200, 9.4), at('create', 1000, 96.6)],
    fixedRateBare: [at('create', 200, 2.99), at('reveal', 200, 3.09)]
  })
  const [create, reveal, ...more] = evaluateTargets(results).filter((t) => t.name.includes('restated after run 4') && t.name.includes('p99'))
  assert.equal(more.length, 0, 'one row per workload, at 200/s only')
  assert.equal(create?.met, true)
  assert.equal(create?.measured, '2.6× (7.70 ms vs 2.99 ms), 0 errors')
  assert.equal(reveal?.met, false, '9.4 / 3.09 = 3.04×')
})

test('the CPU targets: the ratio to the bare route as the issue set it, and the µs budgets set after run 2', () => {
  const workload = (us: number): unknown => ({ okPerSecond: { median: 1000, min: 1000, max: 1000 }, failures: 0, raw: [], serverCpuUs: { median: us, min: us, max: us } })
  const results = selectedPhasesRun('bare,create,reveal', {
    baselines: { bareFastify: workload(25) },
    workloads: { create: workload(300), reveal: workload(260) }
  })
  const targets = evaluateTargets(results)
  const find = (text: string): ReturnType<typeof evaluateTargets>[number] | undefined => targets.find((t) => t.name.startsWith(text))
  assert.equal(find('create: Node CPU per request vs the bare route')?.met, false, '12×')
  assert.equal(find('create: server CPU per request at saturation')?.met, true)
  assert.equal(find('create: server CPU per request at saturation')?.measured, '300 µs')
  assert.equal(find('reveal: server CPU per request at saturation')?.target, '≤ 250 µs')
  assert.equal(find('reveal: server CPU per request at saturation')?.met, false)
})

test('the restated memory target allows Argon2id\'s memory per hash in flight, and only in the workloads that hash', () => {
  const workload = (peakMiB: number): unknown => ({ okPerSecond: { median: 1000, min: 1000, max: 1000 }, failures: 0, raw: [{ serverRssMiB: peakMiB - 2 }], serverPeakRssMiB: peakMiB })
  const run = (peaks: Record<string, number>, settings: Record<string, number> = {}): BenchResults => selectedPhasesRun('create,create-passphrase', {
    workloads: Object.fromEntries(Object.entries(peaks).map(([name, peak]) => [name, workload(peak)])),
    serverPeakRssMiB: Math.max(...Object.values(peaks)),
    settings: { fixedRate: 1000, connections: 50, rounds: 3, warmupSeconds: 3, measureSeconds: 10, poolSize: 10, ...settings }
  })
  const memory = (r: BenchResults): ReturnType<typeof evaluateTargets>[number] | undefined => evaluateTargets(r).find((t) => t.name.includes('plus Argon2id'))
  // 200 MB = 190.7 MiB; one run of 19 MiB in flight adds 19.9 MB.
  const hashingOver200 = memory(run({ create: 185, 'create-passphrase': 205 }, { passphraseHashConcurrency: 1, argon2idMemoryKiB: 19_456 }))
  assert.equal(hashingOver200?.met, true)
  assert.equal(hashingOver200?.target, '≤ 200 MB without hashing; ≤ 200 + 1 × 19 MiB = 220 MB with it')
  assert.match(hashingOver200?.measured ?? '', /^215 MB over all phases; per workload: create 194, create-passphrase 215 MB$/)
  assert.equal(memory(run({ create: 195, 'create-passphrase': 205 }))?.met, false, 'a workload without hashing over 200 MB')
  assert.equal(memory(run({ create: 185, 'create-passphrase': 215 }))?.met, false, 'more than one run\'s memory on top')
  assert.equal(memory(run({ create: 185, 'create-passphrase': 225 }, { passphraseHashConcurrency: 3 }))?.target, '≤ 200 MB without hashing; ≤ 200 + 3 × 19 MiB = 260 MB with it')
})

test('a phase\'s peak RSS counts from its start, once work left in flight is done, and the process\'s peak over its life is kept', async () => {
  // A child that holds 96 MiB of touched memory, then lets it go; 'busy' holds it while it
  // computes for a second, as a server finishing an earlier phase's queued hashes does.
  const child = spawn(process.execPath, ['--expose-gc', '-e', `
    let held
    const release = () => { held = undefined; globalThis.gc() }
    process.on('message', (m) => {
      if (m === 'grow') held = Buffer.alloc(96 * 1024 * 1024, 1)
      else if (m === 'shrink') release()
      else if (m === 'busy') {
        held = Buffer.alloc(96 * 1024 * 1024, 2)
        process.send('done')
        const until = Date.now() + 1000
        while (Date.now() < until) held[Math.floor(Math.random() * held.length)]++
        release()
        return
      }
      process.send('done')
    })
    process.send('ready')`], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const next = async (): Promise<void> => { await new Promise((resolve) => child.once('message', resolve)) }
  try {
    await next()
    const peaks = new PeakRss(child.pid)
    child.send('grow')
    await next()
    child.send('shrink')
    await next()
    const grown = peaks.overall() ?? 0
    assert.ok(grown > 96, `the life peak holds the 96 MiB (${grown} MiB)`)
    assert.equal(await peaks.startPhase(), true)
    const phase = peaks.phase() ?? Number.POSITIVE_INFINITY
    assert.ok(phase < grown - 64, `a new phase does not start at the old peak (${phase} vs ${grown} MiB)`)
    // Within a MiB: the kernel's RSS counters are per-thread caches, synced in batches.
    assert.ok((peaks.overall() ?? 0) > grown - 1, 'the life peak survives the reset')
    child.send('busy')
    await next()
    assert.equal(await peaks.startPhase(), true)
    const afterBusy = peaks.phase() ?? Number.POSITIVE_INFINITY
    assert.ok(afterBusy < grown - 64, `a phase started while the child was busy counts from when it was done (${afterBusy} MiB)`)
  } finally {
    child.kill()
  }
})
