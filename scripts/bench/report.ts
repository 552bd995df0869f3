// Turns results.json into report.md and chart.svg; --publish copies the run into docs/: the
// chart, results.json and the generated section of docs/benchmarks.md.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { renderChart, throughputRows } from './chart.ts'
import { fmt, ms, msRange, range } from './format.ts'
import { breakdown } from './pss.ts'
import type { BenchResults } from './results.ts'
import { evaluateTargets } from './targets.ts'

export const START_MARKER = '<!-- bench:results:start -->'
export const END_MARKER = '<!-- bench:results:end -->'

function runKind (r: BenchResults): string {
  return r.quick ? 'quick smoke run: short windows, numbers are only indicative' : r.command.includes('--only') ? 'selected phases' : 'full run'
}

/** The report: targets with verdicts, then every table the run measured. `chart` is the SVG's path from the page. */
export function renderMarkdown (r: BenchResults, chart = 'chart.svg'): string {
  const m = r.machine
  const s = r.settings
  const lines: string[] = [
    `Run of ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC (${runKind(r)}, ${fmt(r.durationSeconds)} s): \`${r.command}\` at ${r.code.commit}${r.code.modified.length > 0 ? ` with uncommitted changes in ${r.code.modified.join(', ')}` : ''}.`,
    '',
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; PostgreSQL ${r.postgres.version} (synchronous_commit=${r.postgres.synchronous_commit}, shared_buffers=${r.postgres.shared_buffers}); load average at start ${m.loadAverageAtStart.join(' ')}. Server, PostgreSQL and load generator share the cores.`,
    '',
    `Settings: ${s.connections} connections; ${s.rounds} round(s) of ${s.warmupSeconds} s warm-up (discarded) + ${s.measureSeconds} s measured; POSTGRES_POOL_SIZE=${s.poolSize}; server started as npm start starts it (\`node ${s.serverNodeArgs.join(' ')}\`), LOG_LEVEL=warn, rate limits off. Figures with a range are median (min–max) over rounds.`,
    '',
    '| Target (issue 22) | Goal | Measured | Verdict |',
    '|---|---|---|---|',
    ...evaluateTargets(r).map((t) => `| ${t.name} | ${t.goal} | ${t.measured} | ${t.verdict === 'not met' ? '**not met**' : t.verdict} |`),
    ''
  ]
  if (throughputRows(r).length > 0) lines.push(...throughputTable(r), `![Successful requests per second](${chart})`, '')
  if (r.fixedRate !== undefined) {
    lines.push('Latency at a fixed rate: requests leave on an even schedule (open loop) and latency counts from the scheduled departure.', '')
    lines.push('| Workload | rate | achieved ok/s | p50 ms | p99 ms | bare route p99 ms | errors |', '|---|---|---|---|---|---|---|')
    for (const f of r.fixedRate) {
      const bare = r.fixedRateBare?.find((b) => b.workload === f.workload && b.rate === f.rate)
      lines.push(`| ${f.workload} | ${fmt(f.rate)}/s | ${fmt(f.okPerSecond)} | ${ms(f.p50Ms)} | ${msRange(f.p99Ms)} | ${msRange(bare?.p99Ms)} | ${f.failures} |`)
    }
    lines.push('')
  }
  if (r.scale !== undefined && r.scale.length > 0) {
    lines.push(`| Stored secrets | bytes per secret | reveal at ${fmt(r.scale[0]?.revealAtRate.rate)}/s: p50 ms | p99 ms | errors |`, '|---|---|---|---|---|')
    for (const l of r.scale) lines.push(`| ${fmt(l.stored)} | ${fmt(l.bytesPerSecret)} | ${ms(l.revealAtRate.p50Ms)} | ${msRange(l.revealAtRate.p99Ms)} | ${l.revealAtRate.failures} |`)
    lines.push('')
  }
  const p = r.purge
  if (p !== undefined) {
    lines.push(`Purge under reads: ${fmt(p.rows)} expired secrets purged in ${fmt(p.seconds)} s (${fmt(p.rows / p.seconds)} rows/s; PURGE_ROWS_PER_SECOND=${fmt(p.paceRowsPerSecond)}, batches of ${fmt(p.batchSize)}) while reveals ran at ${fmt(p.rate)}/s: their p50 ${ms(p.before.p50Ms)} → ${ms(p.during.p50Ms)} ms and p99 ${ms(p.before.p99Ms)} → ${ms(p.during.p99Ms)} ms, before → during; ${p.before.failures + p.during.failures} errors.`, '')
  }
  const f = r.files
  if (f !== undefined) {
    lines.push(`Files: ${f.files} opaque files of ${fmt(f.bytesPerFile / 1024 / 1024)} MiB uploaded (\`POST /file\`) all at once at ${fmt(f.uploadMBps)} MB/s, then each downloaded once, all at once, at ${fmt(f.downloadMBps)} MB/s; the server's RSS ${fmt(f.restingRssMiB)} MiB resting before the first upload, ${fmt(f.peakRssMiB)} MiB at the peak over both; ${f.errors} errors.`, '')
  }
  const e = r.embedded
  if (e !== undefined) {
    lines.push('The embedded default (`npm start` with no POSTGRES_HOST, an empty DATA_DIR; PSS of npm, the server and every PostgreSQL process):', '')
    lines.push('| Moment | ready after | PSS MB | by process (MB) |', '|---|---|---|---|')
    lines.push(`| first start, idle | ${fmt(e.firstStart.readyMs / 1000, 1)} s | ${fmt(e.firstStart.idle.pssMB)} | ${breakdown(e.firstStart.idle)} |`)
    lines.push(`| after ${fmt(e.burstCreates)} creates | | ${fmt(e.afterBurst.pssMB)} | ${breakdown(e.afterBurst)} |`)
    lines.push(`| later start, idle | ${fmt(e.laterStart.readyMs / 1000, 1)} s | ${fmt(e.laterStart.idle.pssMB)} | ${breakdown(e.laterStart.idle)} |`)
    lines.push('', `SIGTERM stopped the server ${e.stoppedCleanly ? 'and its PostgreSQL cleanly' : 'but **left a PostgreSQL process running**'}.`, '')
  }
  return lines.join('\n')
}

function throughputTable (r: BenchResults): string[] {
  const lines = [
    'Throughput at saturation. × ceiling: ok/s over the database ceiling\'s (the same statements through postgres.js, one per operation, no HTTP, same concurrency and pool). Peak RSS: the server process alone, over that workload.',
    '',
    '| Workload | ok/s | × ceiling | p50 ms | p99 ms | server CPU µs/req | PostgreSQL CPU µs/req | peak RSS MiB | errors |',
    '|---|---|---|---|---|---|---|---|---|'
  ]
  for (const { label, summary: w, ceiling } of throughputRows(r)) {
    const x = ceiling === undefined ? '' : fmt(w.okPerSecond.median / ceiling.okPerSecond.median, 2)
    lines.push(`| ${label} | ${range(w.okPerSecond)} | ${x} | ${msRange(w.p50Ms)} | ${msRange(w.p99Ms)} | ${fmt(w.serverCpuUs)} | ${fmt(w.dbCpuUs)} | ${fmt(w.peakRssMiB)} | ${w.failures} |`)
  }
  return [...lines, '']
}

export function writeReport (r: BenchResults, outDir: string): void {
  writeFileSync(join(outDir, 'report.md'), renderMarkdown(r) + '\n')
  writeFileSync(join(outDir, 'chart.svg'), renderChart(r))
}

/** Replaces what lies between the markers of `page` with `section`. */
export function replaceSection (page: string, section: string): string {
  const start = page.indexOf(START_MARKER)
  const end = page.indexOf(END_MARKER)
  if (start < 0 || end < start) throw new Error(`docs/benchmarks.md lacks the ${START_MARKER} … ${END_MARKER} markers`)
  return `${page.slice(0, start + START_MARKER.length)}\n${section}\n${page.slice(end)}`
}

/** Copies the run into docs/: results.json and chart.svg (the latest run only) and the page's section. */
export function publish (r: BenchResults, outDir: string): void {
  const docs = new URL('../../docs/', import.meta.url)
  const page = new URL('benchmarks.md', docs)
  const text = replaceSection(readFileSync(page, 'utf8'), renderMarkdown(r, 'benchmarks/chart.svg'))
  mkdirSync(new URL('benchmarks/', docs), { recursive: true })
  copyFileSync(join(outDir, 'results.json'), new URL('benchmarks/results.json', docs))
  copyFileSync(join(outDir, 'chart.svg'), new URL('benchmarks/chart.svg', docs))
  writeFileSync(page, text)
}
