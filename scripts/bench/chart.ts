// The bench's chart: successful requests/s per workload and baseline, as an SVG bar chart.
import { fmt } from './format.ts'
import type { WorkloadSummary } from './load.ts'
import type { BenchResults } from './results.ts'
import type { Spread } from './stats.ts'

interface Bar { label: string, value: Spread, group: string }

export function renderChart (r: BenchResults): string {
  const bars: Bar[] = []
  const add = (label: string, s: WorkloadSummary | undefined, group: string): void => { if (s !== undefined) bars.push({ label, value: s.okPerSecond, group }) }
  add('bare Fastify route', r.baselines.bareFastify, 'baseline')
  add('create SQL (postgres.js)', r.baselines.sqlCreate, 'baseline')
  add('reveal SQL (postgres.js)', r.baselines.sqlReveal, 'baseline')
  add('create SQL, batched per turn', r.baselines.sqlCreateBatched, 'baseline')
  add('reveal SQL, batched per turn', r.baselines.sqlRevealBatched, 'baseline')
  for (const [name, s] of Object.entries(r.workloads)) add(`Burnlink ${name}`, s, 'postgres')
  for (const [name, s] of Object.entries(r.embedded)) add(`PGlite ${name}`, s, 'embedded')
  const width = 760
  const left = 210
  const barHeight = 18
  const gap = 8
  const top = 40
  const height = top + bars.length * (barHeight + gap) + 40
  const max = Math.max(1, ...bars.map((bar) => bar.value.max))
  const scale = (v: number): number => left + (v / max) * (width - left - 70)
  const colors: Record<string, string> = { baseline: '#9aa5b1', postgres: '#d9480f', embedded: '#1c7ed6' }
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`)
  out.push('<rect width="100%" height="100%" fill="#fff"/>')
  out.push(`<text x="10" y="20" font-size="14" font-weight="bold">Successful requests/s at ${r.settings.connections} connections (median, whisker = min–max; synchronous_commit=${escape(r.postgres.synchronous_commit)})</text>`)
  bars.forEach((bar, i) => {
    const y = top + i * (barHeight + gap)
    out.push(`<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escape(bar.label)}</text>`)
    out.push(`<rect x="${left}" y="${y}" width="${Math.max(1, scale(bar.value.median) - left).toFixed(1)}" height="${barHeight}" fill="${colors[bar.group] ?? '#888'}"/>`)
    const y2 = y + barHeight / 2
    out.push(`<line x1="${scale(bar.value.min).toFixed(1)}" x2="${scale(bar.value.max).toFixed(1)}" y1="${y2}" y2="${y2}" stroke="#000"/>`)
    out.push(`<text x="${(scale(bar.value.max) + 6).toFixed(1)}" y="${y + 13}">${fmt(bar.value.median)}</text>`)
  })
  const axisY = top + bars.length * (barHeight + gap) + 10
  out.push(`<text x="${left}" y="${axisY + 14}" fill="#555">${escape(`${r.machine.cpus} × ${r.machine.cpuModel}, shared machine; ${r.startedAt.slice(0, 10)}`)}</text>`)
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function escape (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
