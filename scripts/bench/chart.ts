// The throughput rows of a run (the report's table) and their chart: successful requests per
// second of each ceiling and workload, as SVG bars.
import { fmt } from './format.ts'
import type { WorkloadSummary } from './load.ts'
import type { BenchResults } from './results.ts'

export interface Row { label: string, summary: WorkloadSummary, ceiling?: WorkloadSummary | undefined, kind: keyof typeof COLORS }

const COLORS = { ceiling: '#9aa5b1', postgres: '#d9480f', embedded: '#1c7ed6' }

export function throughputRows (r: BenchResults): Row[] {
  const c = r.ceilings
  const w = r.workloads
  const rows: Array<Omit<Row, 'summary'> & { summary: WorkloadSummary | undefined }> = [
    { label: 'ceiling: bare Fastify route (HTTP floor)', summary: c.bare, kind: 'ceiling' },
    { label: 'ceiling: create statement via postgres.js', summary: c.create, kind: 'ceiling' },
    { label: 'ceiling: reveal statement via postgres.js', summary: c.reveal, kind: 'ceiling' },
    { label: 'create (1 KiB)', summary: w.create, ceiling: c.create, kind: 'postgres' },
    { label: 'reveal', summary: w.reveal, ceiling: c.reveal, kind: 'postgres' },
    { label: 'mixed: 50 % create, 45 % reveal, 5 % delete', summary: w.mixed, kind: 'postgres' },
    { label: 'create, passphrase required to reveal', summary: w['create-passphrase'], kind: 'postgres' },
    { label: 'reveal with the passphrase', summary: w['reveal-passphrase'], kind: 'postgres' },
    { label: 'embedded default: create', summary: r.embedded?.create, kind: 'embedded' },
    { label: 'embedded default: reveal', summary: r.embedded?.reveal, kind: 'embedded' }
  ]
  return rows.filter((row): row is Row => row.summary !== undefined)
}

export function renderChart (r: BenchResults): string {
  const rows = throughputRows(r)
  const [width, left, step, top] = [720, 260, 24, 36]
  const height = top + rows.length * step + 30
  const max = Math.max(1, ...rows.map((row) => Number.isFinite(row.summary.okPerSecond.max) ? row.summary.okPerSecond.max : 0))
  const x = (v: number): number => left + (Number.isFinite(v) ? v : 0) / max * (width - left - 70)
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="10" y="20" font-size="14" font-weight="bold">Successful requests/s, ${r.settings.connections} connections (median; whisker: min–max)</text>`
  ]
  rows.forEach(({ label, summary: { okPerSecond: v }, kind }, i) => {
    const y = top + i * step
    out.push(
      `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${escape(label)}</text>`,
      `<rect x="${left}" y="${y}" width="${Math.max(1, x(v.median) - left).toFixed(1)}" height="18" fill="${COLORS[kind]}"/>`,
      `<line x1="${x(v.min).toFixed(1)}" x2="${x(v.max).toFixed(1)}" y1="${y + 9}" y2="${y + 9}" stroke="#000"/>`,
      `<text x="${(x(v.max) + 6).toFixed(1)}" y="${y + 13}">${fmt(v.median)}</text>`
    )
  })
  out.push(`<text x="10" y="${height - 10}" fill="#555">${escape(`grey: ceilings; orange: Burnlink on PostgreSQL ${r.postgres.version}; blue: the embedded default. ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.startedAt.slice(0, 10)}`)}</text>`, '</svg>')
  return out.join('\n') + '\n'
}

function escape (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
