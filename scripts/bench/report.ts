// Turns results.json into report.md (tables, targets met / not met) and chart.svg; --publish
// copies them into docs/benchmarks/ and docs/benchmarks.md.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { WorkloadSummary } from './load.ts'
import type { BenchResults } from './results.ts'
import { renderChart } from './chart.ts'
import { fmt, MB_PER_MIB, ms, msRange, range } from './format.ts'
import { round3, spread } from './stats.ts'
import { bareAtRate, churnThirds, evaluateTargets, interferenceP99s, interferenceSummary, p99Range } from './targets.ts'

export function renderMarkdown (r: BenchResults): string {
  const lines: string[] = []
  const m = r.machine
  lines.push(`Run ${r.startedAt} (${r.quick ? 'quick smoke run' : r.command.includes('--only') ? 'selected phases' : 'full run'}, ${fmt(r.durationSeconds)} s): \`${r.command}\` at commit ${r.code.commit}${r.code.modified.length > 0 ? ` plus uncommitted changes then in progress in ${r.code.modified.join(', ')}` : ''}.`, '')
  lines.push(`Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}, PostgreSQL ${r.postgres.version} (synchronous_commit=${r.postgres.synchronous_commit}, fsync=${r.postgres.fsync}, shared_buffers=${r.postgres.shared_buffers}); load average at start ${m.loadAverageAtStart.join(' ')}. Server, PostgreSQL and the load generator share the machine's cores; the load average is a one-minute mean, so it also counts the work just before the run.`, '')
  lines.push(`Settings: ${r.settings.connections} connections, ${r.settings.rounds} rounds of ${r.settings.warmupSeconds} s warm-up (discarded) + ${r.settings.measureSeconds} s measured; POSTGRES_POOL_SIZE=${r.settings.poolSize}. Figures are median (min–max) over rounds.`, '')

  lines.push('### Targets', '', '| Target | Goal | Measured | Met |', '|---|---|---|---|')
  for (const t of evaluateTargets(r)) lines.push(`| ${t.name} | ${t.target} | ${t.measured} | ${t.met === undefined ? '–' : t.met ? 'yes' : '**no**'} |`)
  lines.push('')

  lines.push(`### Throughput at saturation (synchronous_commit=${r.postgres.synchronous_commit})`, '')
  lines.push('| Workload | ok/s | × SQL ceiling | p50 ms | p99 ms | server CPU µs/req | PostgreSQL CPU µs/req | client CPU µs/req | errors |', '|---|---|---|---|---|---|---|---|---|')
  const row = (label: string, s: WorkloadSummary | undefined, ceiling?: WorkloadSummary): void => {
    if (s === undefined) return
    const x = ceiling === undefined ? '' : fmt(s.okPerSecond.median / ceiling.okPerSecond.median, 2)
    lines.push(`| ${label} | ${range(s.okPerSecond)} | ${x} | ${msRange(s.p50Ms)} | ${msRange(s.p99Ms)} | ${range(s.serverCpuUs)} | ${range(s.dbCpuUs)} | ${range(s.clientCpuUs)} | ${s.failures} |`)
  }
  const b = r.baselines
  row('baseline: bare Fastify route', b.bareFastify)
  row('baseline: create SQL via postgres.js', b.sqlCreate)
  row('baseline: reveal SQL via postgres.js', b.sqlReveal)
  row('baseline: create SQL via postgres.js, batched per turn', b.sqlCreateBatched)
  row('baseline: reveal SQL via postgres.js, batched per turn', b.sqlRevealBatched)
  row('create (1 KiB)', r.workloads.create, b.sqlCreate)
  row('create with passphrase', r.workloads['create-passphrase'])
  row('reveal', r.workloads.reveal, b.sqlReveal)
  row('create→reveal pairs (requests)', r.workloads.pairs)
  row('create→reveal pairs, passphrase required to reveal (requests)', r.workloads['gated-pairs'])
  row('delete', r.workloads.delete)
  row('mixed 50/45/5', r.workloads.mixed)
  row('baseline over the Unix socket: create SQL via postgres.js', r.unixSocketCeiling?.create)
  row('baseline over the Unix socket: reveal SQL via postgres.js', r.unixSocketCeiling?.reveal)
  row('create over the Unix socket', r.unixSocket?.create, r.unixSocketCeiling?.create ?? b.sqlCreate)
  row('reveal over the Unix socket', r.unixSocket?.reveal, r.unixSocketCeiling?.reveal ?? b.sqlReveal)
  const pool = r.smallPool
  if (pool !== undefined) {
    row(`baseline, pool of ${pool.poolSize}: create SQL via postgres.js`, pool.ceilingCreate)
    row(`baseline, pool of ${pool.poolSize}: reveal SQL via postgres.js`, pool.ceilingReveal)
    row(`create, POSTGRES_POOL_SIZE=${pool.poolSize}`, pool.workloads.create, pool.ceilingCreate)
    row(`reveal, POSTGRES_POOL_SIZE=${pool.poolSize}`, pool.workloads.reveal, pool.ceilingReveal)
  }
  row('create, one server process, taking turns with two', r.oneProcessBesideTwo?.create, b.sqlCreate)
  row('create, two server processes', r.twoProcesses?.create, b.sqlCreate)
  row('reveal, one server process, taking turns with two', r.oneProcessBesideTwo?.reveal, b.sqlReveal)
  row('reveal, two server processes', r.twoProcesses?.reveal, b.sqlReveal)
  row('create, one connection (latency floor)', r.serial?.create)
  row('reveal, one connection (latency floor)', r.serial?.reveal)
  lines.push('')
  const rss = Object.entries(r.workloads).map(([name, s]) => `${name} ${s.raw.map((round) => fmt(round.serverRssMiB)).join('/')}${s.serverPeakRssMiB === undefined ? '' : ` (peak ${fmt(s.serverPeakRssMiB)})`}`)
  const perWorkload = Object.values(r.workloads).some((s) => s.serverPeakRssMiB !== undefined) ? ', each workload\'s own peak (VmHWM reset as it starts) in brackets' : ''
  if (rss.length > 0) lines.push(`Server RSS (MiB) at the end of each round${perWorkload}: ${rss.join('; ')}; peak (VmHWM) over all phases ${fmt(r.serverPeakRssMiB)} MiB.`, '')
  if (r.heapCap !== undefined) {
    const h = r.heapCap
    lines.push(`With \`--max-old-space-size=${h.maxOldSpaceMiB}\`: peak RSS ${fmt((h.peakRssMiB ?? Number.NaN) * MB_PER_MIB)} MB; ${Object.entries(h.workloads).map(([name, s]) => `${name} ${range(s.okPerSecond)} ok/s at ${range(s.serverCpuUs)} µs server CPU/req, RSS ${s.raw.map((round) => fmt(round.serverRssMiB)).join('/')} MiB`).join('; ')}.`, '')
  }
  if (r.youngGeneration !== undefined) {
    const production = /^--max-semi-space-size=(\d+)$/.exec((r.serverNodeArgs ?? ['--max-semi-space-size=4']).find((flag) => flag.startsWith('--max-semi-space-size=')) ?? '')?.[1] ?? 'V8\'s default'
    lines.push(`V8 young generation (\`--max-semi-space-size\`; the server under test used ${production}):`, '')
    lines.push(...sweepTable('semi-space', r.youngGeneration.map((y) => ({ label: y.semiSpaceMiB === null ? 'V8 default' : `${y.semiSpaceMiB} MiB`, ...y }))))
  }
  if (r.heapGrowing !== undefined) {
    lines.push('V8 old generation\'s growing factor (`HEAP_GROWING_PERCENT`; 0 = V8\'s own choice):', '')
    lines.push(...sweepTable('growing', r.heapGrowing.map((h) => ({ label: h.heapGrowingPercent === 0 ? 'V8\'s own' : `${h.heapGrowingPercent} %`, ...h })), true))
  }
  if (b.pgbench !== undefined) {
    const p = b.pgbench
    lines.push(`pgbench (${p.version}, ${p.clients} clients, prepared): create ${range(spread(p.create.tps))} tps, reveal ${range(spread(p.reveal.tps))} tps.`, '')
  }
  if (r.fixedRate !== undefined) {
    lines.push(`### Latency at a fixed rate (synchronous_commit=${r.postgres.synchronous_commit})`, '', 'Requests leave on an even schedule (open loop, `scripts/bench/paced.ts`); latency runs from the scheduled departure.', '')
    lines.push('| Workload | rate | achieved ok/s | p50 ms | p90 ms | p99 ms (range over rounds) | bare route p99 ms | server CPU µs/req | PostgreSQL CPU µs/req | errors |', '|---|---|---|---|---|---|---|---|---|---|')
    const median = (values: Array<number | undefined>): number | undefined => {
      const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v))
      return known.length === 0 ? undefined : spread(known).median
    }
    for (const f of r.fixedRate) {
      const p90 = median(f.rounds.map((round) => round.latencyMs.p90))
      lines.push(`| ${f.workload} | ${f.rate}/s | ${fmt(median(f.rounds.map((round) => round.okPerSecond)))} | ${ms(f.p50Ms)} | ${ms(p90)} | ${ms(f.p99Ms)}${p99Range(f)} | ${ms(bareAtRate(r, f)?.p99Ms)} | ${fmt(median(f.rounds.map((round) => round.serverCpuUs)))} | ${fmt(median(f.rounds.map((round) => round.dbCpuUs)))} | ${f.failures} |`)
    }
    lines.push('')
  }
  if (r.passphraseInterference !== undefined) {
    const pi = r.passphraseInterference
    lines.push(Number.isFinite(pi.p99Ratio)
      ? `Passphrase creates at saturation: ${fmt(pi.hashesPerSecond)} Argon2id hashes/s (each create hashes once). Reveals at a fixed rate beside them vs alone: p99 ${interferenceP99s(pi)} (${ms(pi.p99Ratio)}×).`
      : `Passphrase interference: ${interferenceSummary(pi)}.`, '')
  }
  if (r.scale !== undefined && r.scale.levels.length > 0) {
    lines.push(`### Scale (synchronous_commit=${r.postgres.synchronous_commit})`, '', `| Stored secrets | bytes/secret (table+indexes) | reveal ok/s | reveal p99 ms | reveal p99 at ${r.settings.fixedRate}/s | create ok/s | create p99 ms |`, '|---|---|---|---|---|---|---|')
    for (const l of r.scale.levels) {
      lines.push(`| ${fmt(l.stored)} | ${fmt(l.bytesPerSecret)} | ${fmt(l.reveal.okPerSecond.median)} | ${ms(l.reveal.p99Ms.median)} | ${ms(l.revealAtRate.p99Ms)}${p99Range(l.revealAtRate)} | ${fmt(l.create.okPerSecond.median)} | ${ms(l.create.p99Ms.median)} |`)
    }
    lines.push('')
    if (r.scale.auditBytesPerEvent !== undefined) lines.push(`audit_log: ${fmt(r.scale.auditBytesPerEvent)} bytes per event (table + indexes); a created-then-revealed secret leaves two events.`, '')
  }
  const purge = r.scale?.purge
  if (purge !== undefined) {
    lines.push(`Purge: ${fmt(purge.rows)} expired secrets deleted (with their audit rows) in ${fmt(purge.seconds, 1)} s = ${fmt(purge.rowsPerSecond)} rows/s, batches of ${purge.batchSize}${purge.paceRowsPerSecond === undefined || purge.paceRowsPerSecond === 0 ? ' back to back' : `, paced at ≤ ${fmt(purge.paceRowsPerSecond)} rows/s`}. Reveals at ${fmt(purge.readsBefore.okPerSecond)}/s meanwhile: p99 ${ms(purge.readsDuring.latencyMs.p99)} ms during the purge vs ${ms(purge.readsBefore.latencyMs.p99)} ms before (${ms(purge.readsDuring.latencyMs.p99 / purge.readsBefore.latencyMs.p99)}×); ${purge.readsDuring.requests - purge.readsDuring.ok} failed reads.`, '')
  }
  if (Object.keys(r.embedded).length > 0) {
    lines.push('### Embedded mode (PGlite, no POSTGRES_HOST)', '', '| Workload | ok/s | p50 ms | p99 ms | server CPU µs/req (includes the database) | errors |', '|---|---|---|---|---|---|')
    for (const [name, s] of Object.entries(r.embedded)) lines.push(`| ${name} | ${range(s.okPerSecond)} | ${msRange(s.p50Ms)} | ${msRange(s.p99Ms)} | ${range(s.serverCpuUs)} | ${s.failures} |`)
    lines.push('')
    if (r.embeddedPeakRssMiB !== undefined) lines.push(`Embedded server peak RSS: ${fmt(r.embeddedPeakRssMiB * MB_PER_MIB)} MB.`, '')
  }
  if (r.churn !== undefined) {
    const c = r.churn
    lines.push(`### Churn (${c.minutes} min of create→reveal pairs at saturation, private PostgreSQL ${c.postgres.version}, synchronous_commit=${c.postgres.synchronous_commit})`, '')
    const [middle, last] = churnThirds(c)
    lines.push(`${fmt(c.load.okPerSecond)} requests/s (${c.load.requests - c.load.ok} failed). Secret table + indexes: max ${fmt(c.maxTotalBytesFirstHalf / 2 ** 20, 1)} MiB in the first half, ${fmt(c.maxTotalBytesSecondHalf / 2 ** 20, 1)} MiB in the second (middle third ${fmt(middle / 2 ** 20, 1)}, last third ${fmt(last / 2 ** 20, 1)}), ${fmt(c.finalTotalBytes / 2 ** 20, 1)} MiB at the end; ${c.samples[c.samples.length - 1]?.autovacuums ?? 0} autovacuums. pg-boss issued ${fmt(c.statements.pgboss)} of ${fmt(c.statements.total)} statements (${fmt(c.statements.share * 100, 3)} %), ${c.statements.pgbossPerMinute} per minute (its polling and maintenance, which do not grow with traffic). pg_stat_statements counts nested statements too (track = all), such as those run by foreign-key triggers. Most called:`, '')
    lines.push('| calls | statement |', '|---|---|')
    for (const st of c.statements.top.slice(0, 6)) lines.push(`| ${fmt(st.calls)} | \`${st.query.slice(0, 110).replace(/\|/g, '\\|')}…\` |`)
    lines.push('')
    const sizes = c.samples.map((sample) => `${sample.t}s ${fmt(sample.totalBytes / 2 ** 20, 1)}`)
    lines.push(`Size of secret (MiB) every ~${Math.round(c.minutes * 60 / Math.max(1, c.samples.length))} s: ${sizes.filter((_, i) => i % 6 === 0).join(', ')}.`, '')
  }
  if (r.profile !== undefined) {
    lines.push(`### CPU profile (server, ${r.profile.workload} workload, ${fmt(r.profile.totalMs)} ms of CPU samples)`, '', '| self % | function | where |', '|---|---|---|')
    for (const h of r.profile.byFunction.slice(0, 15)) lines.push(`| ${fmt(h.share * 100, 1)} | \`${h.name}\` | ${h.where} |`)
    lines.push('', '| self % | package / file |', '|---|---|')
    for (const h of r.profile.byPackage.slice(0, 12)) lines.push(`| ${fmt(h.share * 100, 1)} | ${h.name} |`)
    lines.push('')
  }
  for (const a of r.allocation ?? []) {
    lines.push(a.survivorsOnly === true
      ? `### JavaScript heap per ${a.workload} at ${fmt(a.rate)}/s that survived scavenges into the old generation (V8's sampling heap profiler, BENCH_HEAP_SURVIVORS=1)`
      : `### JavaScript heap allocated per ${a.workload} at ${fmt(a.rate)}/s (V8's sampling heap profiler, objects already collected included)`, '')
    lines.push(`${fmt(a.bytesPerRequest.median / 1024, 1)} KiB per request (windows ${fmt(a.bytesPerRequest.min / 1024, 1)}–${fmt(a.bytesPerRequest.max / 1024, 1)}; ${a.requests.map((n) => fmt(n)).join(', ')} requests).`, '')
    lines.push('| % | nearest package or project file | | % | innermost Burnlink frame |', '|---|---|---|---|---|')
    for (let i = 0; i < Math.max(a.byPackage.length, a.byProjectFrame.length); i++) {
      const pkg = a.byPackage[i]
      const own = a.byProjectFrame[i]
      lines.push(`| ${pkg === undefined ? '' : fmt(pkg.share * 100, 1)} | ${pkg?.name ?? ''} | | ${own === undefined ? '' : fmt(own.share * 100, 1)} | ${own?.name ?? ''} |`)
    }
    lines.push('', '| % | allocating function | where |', '|---|---|---|')
    for (const f of a.byFunction.slice(0, 12)) lines.push(`| ${fmt(f.share * 100, 1)} | \`${f.name}\` | ${f.where} |`)
    lines.push('')
  }
  return lines.join('\n')
}

export function writeReport (r: BenchResults, outDir: string): void {
  writeFileSync(join(outDir, 'report.md'), renderMarkdown(r) + '\n')
  writeFileSync(join(outDir, 'chart.svg'), renderChart(r))
}

const BEGIN = '<!-- bench:begin (generated by npm run bench -- --publish) -->'
const END = '<!-- bench:end -->'

/** Copies the run into docs/: results.json, chart.svg, and the generated section of benchmarks.md. */
export function publish (outDir: string): void {
  const docs = new URL('../../docs/', import.meta.url)
  mkdirSync(new URL('benchmarks/', docs), { recursive: true })
  copyFileSync(join(outDir, 'results.json'), new URL('benchmarks/results.json', docs))
  copyFileSync(join(outDir, 'chart.svg'), new URL('benchmarks/chart.svg', docs))
  const page = new URL('benchmarks.md', docs)
  const text = readFileSync(page, 'utf8')
  const start = text.indexOf(BEGIN)
  const end = text.indexOf(END)
  if (start < 0 || end < start) throw new Error(`docs/benchmarks.md lacks the ${BEGIN} … ${END} markers`)
  const section = readFileSync(join(outDir, 'report.md'), 'utf8')
  writeFileSync(page, `${text.slice(0, start + BEGIN.length)}\n${section}\n${text.slice(end)}`)
}

export { round3 }

/** One row per value of a swept process setting: peak RSS against each workload's rate, tail and cost. */
function sweepTable (heading: string, rows: ReadonlyArray<{ label: string, peakRssMiB: number | undefined, workloads: Record<string, WorkloadSummary> }>, withP99 = false): string[] {
  const names = Object.keys(rows[0]?.workloads ?? {})
  const columns = (name: string): string[] => [`${name} ok/s`, ...(withP99 ? [`${name} p99 ms`] : []), `${name} server CPU µs/req`]
  const cells = (s: WorkloadSummary | undefined): string[] => [range(s?.okPerSecond), ...(withP99 ? [range(s?.p99Ms, 1)] : []), range(s?.serverCpuUs)]
  const header = [heading, 'peak RSS MiB', ...names.flatMap(columns)]
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---|').join('')}`]
  for (const row of rows) {
    lines.push(`| ${[row.label, fmt(row.peakRssMiB), ...names.flatMap((name) => cells(row.workloads[name]))].join(' | ')} |`)
  }
  lines.push('')
  return lines
}
