// The benchmark tool's pure parts: what it reports must follow from what it measured.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { renderChart } from '../scripts/bench/chart.ts'
import { summarize, type RoundResult, type WorkloadSummary } from '../scripts/bench/load.ts'
import { parseOptions } from '../scripts/bench/options.ts'
import type { TreeMemory } from '../scripts/bench/pss.ts'
import { END_MARKER, renderMarkdown, replaceSection, START_MARKER } from '../scripts/bench/report.ts'
import type { BenchResults } from '../scripts/bench/results.ts'
import { SERVER_NODE_ARGS } from '../scripts/bench/server.ts'
import { percentile, round3, spread, summarizeLatency } from '../scripts/bench/stats.ts'
import { evaluateTargets } from '../scripts/bench/targets.ts'

const workload = (okPerSecond: number, failures = 0): WorkloadSummary => ({
  rounds: 2,
  okPerSecond: { median: okPerSecond, min: okPerSecond * 0.9, max: okPerSecond * 1.1 },
  p50Ms: { median: 5, min: 4, max: 6 },
  p99Ms: { median: 20, min: 18, max: 22 },
  serverCpuUs: 300,
  dbCpuUs: 200,
  failures,
  statuses: { 201: 1000 }
})
const memory = (pssMB: number): TreeMemory => ({ pssMB, byCommand: { server: { pssMB: pssMB * 0.6, processes: 1 }, postgres: { pssMB: pssMB * 0.4, processes: 9 } } })

/** A full run's results.json with the given figures; everything else as a 2-core machine reports it. */
function run (over: Partial<BenchResults> = {}): BenchResults {
  return {
    startedAt: '2026-12-07T01:00:00.000Z',
    command: 'npm run bench',
    code: { commit: 'abc1234', modified: [] },
    quick: false,
    machine: { cpus: 2, cpuModel: 'AMD EPYC', memoryGiB: 24, kernel: '6.1', node: 'v24.21.0', loadAverageAtStart: [0.1, 0.1, 0.1] },
    postgres: { version: '15.20', synchronous_commit: 'on', shared_buffers: '128MB' },
    settings: { rounds: 2, warmupSeconds: 2, measureSeconds: 8, connections: 50, poolSize: 10, serverNodeArgs: ['--max-semi-space-size=8'] },
    ceilings: { bare: workload(17_000), create: workload(3000), reveal: workload(3400) },
    workloads: { create: workload(1800), reveal: workload(1500, 3) },
    embedded: {
      firstStart: { readyMs: 2400, idle: memory(150) },
      afterBurst: memory(320),
      burstCreates: 20_000,
      stoppedCleanly: true,
      laterStart: { readyMs: 900, idle: memory(140) }
    },
    durationSeconds: 900,
    ...over
  }
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
  assert.deepEqual(summarizeLatency(Float64Array.from([3, 1, 2])), { p50: 2, p90: 3, p99: 3, max: 3 })
  assert.ok(Number.isNaN(summarizeLatency(new Float64Array(0)).p99))
})

test('round3 keeps the three significant digits a noisy machine supports', () => {
  assert.equal(round3(1234.5), 1235)
  assert.equal(round3(12.345), 12.3)
  assert.equal(round3(0.012345), 0.0123)
})

test('a workload summary counts every non-2xx response, error and timeout as a failure', () => {
  const round = (okPerSecond: number, statuses: Record<string, number>, errors = 0): RoundResult =>
    ({ seconds: 8, requests: 0, ok: 0, statuses, errors, timeouts: 0, okPerSecond, latencyMs: { p50: 1, p90: 2, p99: 3, max: 4 }, serverCpuUs: okPerSecond / 10 })
  const summary = summarize([round(1000, { 200: 8000, 404: 2 }), round(1200, { 200: 9600 }, 1), round(1100, { 200: 8800, 503: 1 })])
  assert.deepEqual(summary.okPerSecond, { median: 1100, min: 1000, max: 1200 })
  assert.equal(summary.failures, 4)
  assert.equal(summary.serverCpuUs, 110)
  assert.equal(summary.dbCpuUs, undefined, 'no backend was measured')
})

test('bench options: defaults fit a 2-core machine, --quick is shorter, an unknown phase is refused', () => {
  const full = parseOptions([], new Date('2026-12-07T01:02:03.456Z'))
  assert.equal(full.outDir, 'bench-results/2026-12-07T01-02-03-456Z')
  assert.deepEqual([full.rounds, full.warmupSeconds, full.measureSeconds, full.purgeRows], [2, 2, 8, 1_000_000])
  assert.deepEqual(full.scaleLevels, [10_000, 1_000_000])
  const quick = parseOptions(['--quick', '--seconds=5'])
  assert.deepEqual([quick.rounds, quick.measureSeconds, quick.purgeRows], [1, 5, 50_000])
  assert.deepEqual([...parseOptions(['--only=reveal,embedded']).only], ['reveal', 'embedded'])
  assert.throws(() => parseOptions(['--only=revael']), /unknown phase revael/)
  assert.throws(() => parseOptions(['--rounds=0']), /not a positive number/)
  assert.throws(() => parseOptions(['--churn']), /unknown option --churn/)
  assert.equal(parseOptions(['--report-only=bench-results/x', '--publish']).reportOnly, 'bench-results/x')
})

test('the targets are judged against the same run: throughput against its ceiling, memory and start-up of the embedded default', () => {
  const verdicts = evaluateTargets(run()).map((t) => [t.name.split(' ')[0] === 'embedded' ? t.name.slice(18) : t.name.split(' ')[0], t.verdict])
  assert.deepEqual(verdicts, [
    ['create', 'met'], // 1,800 vs 3,000/s: 0.6×
    ['reveal', 'not met'], // 0.44×, and errors
    ['first `npm start` on an empty DATA_DIR is ready', 'met'],
    ['whole process tree idle (PSS)', 'met'],
    ['whole process tree after a burst of creates (PSS)', 'not met'] // 320 MB
  ])
  const errorsOnly = evaluateTargets(run({ workloads: { create: workload(2000, 1), reveal: workload(2000) } }))
  assert.equal(errorsOnly[0]?.verdict, 'not met', 'a fast create with an error does not pass')
  assert.match(errorsOnly[0]?.measured ?? '', /0\.67× \(2,000 vs 3,000\/s\), 1 errors/)
  const partial = run({ ceilings: {} })
  delete partial.embedded
  assert.deepEqual(evaluateTargets(partial).map((t) => t.verdict), Array(5).fill('not measured'))
})

test('the report carries the verdicts, the ratios to the ceiling and the embedded default\'s memory by process', () => {
  const page = renderMarkdown(run(), 'benchmarks/chart.svg')
  assert.match(page, /\| reveal throughput vs the database ceiling, no errors \| ≥ 0\.5× \| 0\.44× \(1,500 vs 3,400\/s\), 3 errors \| \*\*not met\*\* \|/)
  assert.match(page, /\| create \(1 KiB\) \| 1,800 \(1,620–1,980\) \| 0\.60 \|/)
  assert.match(page, /\| after 20,000 creates \| \| 320 \| \(server 192, postgres 128 in 9\) \|/)
  assert.match(page, /!\[Successful requests per second\]\(benchmarks\/chart\.svg\)/)
  assert.match(page, /full run, 900 s/)
  assert.doesNotMatch(page, /Stored secrets|Purge under reads|Latency at a fixed rate/, 'phases that did not run leave no empty table')
  assert.match(renderChart(run()), /^<svg[^]*>ceiling: create statement via postgres\.js<[^]*>reveal<[^]*<\/svg>\n$/)
})

test('--publish replaces only what lies between the markers of docs/benchmarks.md', () => {
  const page = `# Benchmarks\n\nProse.\n\n${START_MARKER}\nold table\n${END_MARKER}\n\nMore prose.\n`
  assert.equal(replaceSection(page, 'new table'), `# Benchmarks\n\nProse.\n\n${START_MARKER}\nnew table\n${END_MARKER}\n\nMore prose.\n`)
  assert.throws(() => replaceSection('# Benchmarks\n', 'x'), /lacks the <!-- bench:results:start -->/)
})

test('the server under test gets the node flags that npm start gives it, read from run.sh', () => {
  assert.ok(SERVER_NODE_ARGS.length > 0)
  for (const flag of SERVER_NODE_ARGS) assert.match(flag, /^--[a-z-]+(=\S+)?$/)
})
