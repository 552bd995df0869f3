// Command-line options of `npm run bench`: what to run and for how long.

export const PHASES = [
  'bare', 'ceiling', 'pgbench',
  'create', 'create-passphrase', 'reveal', 'pairs', 'gated-pairs', 'delete', 'mixed',
  'fixed-rate', 'passphrase-interference', 'unix-socket', 'small-pool', 'two-processes', 'young-generation', 'heap-growing', 'heap-cap', 'profile', 'allocation', 'scale', 'purge', 'embedded', 'churn'
] as const
export type PhaseName = typeof PHASES[number]

export interface BenchOptions {
  quick: boolean
  only: ReadonlySet<PhaseName>
  rounds: number
  warmupSeconds: number
  measureSeconds: number
  connections: number
  /** The reference rate (req/s) for latency targets, also used by the scale phase. */
  fixedRate: number
  /** Every rate the fixed-rate phase measures (the reference rate and lower ones). */
  latencyRates: number[]
  churnMinutes: number
  scaleLevels: number[]
  purgeRows: number
  /** Copy results.json and chart.svg to docs/benchmarks/ and refresh docs/benchmarks.md's tables. */
  publish: boolean
  outDir: string
  /** Only rewrite report.md and chart.svg from an earlier run's results.json in this directory. */
  reportOnly?: string
}

export const USAGE = `usage: npm run bench -- [--quick] [--only=a,b] [--rounds=N] [--seconds=N] [--churn-minutes=N] [--publish] [--report-only=DIR]
  phases: ${PHASES.join(', ')}`

export function parseOptions (argv: readonly string[]): BenchOptions {
  const flags = new Map<string, string>()
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (match === null) throw new Error(`unknown argument ${arg}\n${USAGE}`)
    flags.set(match[1] as string, match[2] ?? 'true')
  }
  const known = new Set(['quick', 'only', 'rounds', 'seconds', 'warmup', 'churn-minutes', 'publish', 'out', 'connections', 'rate', 'report-only', 'help'])
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown option --${name}\n${USAGE}`)
  if (flags.has('help')) throw new Error(USAGE)
  const quick = flags.get('quick') === 'true'
  const number = (name: string, fallback: number): number => {
    const raw = flags.get(name)
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}=${raw} is not a non-negative number`)
    return value
  }
  const only = flags.get('only')
  const chosen = only === undefined ? [...PHASES] : only.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const name of chosen) {
    if (!(PHASES as readonly string[]).includes(name)) throw new Error(`--only: unknown phase ${name}\n${USAGE}`)
  }
  const fixedRate = number('rate', 1000)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  return {
    quick,
    only: new Set(chosen as PhaseName[]),
    rounds: number('rounds', quick ? 2 : 3),
    warmupSeconds: number('warmup', quick ? 1 : 3),
    measureSeconds: number('seconds', quick ? 3 : 10),
    connections: number('connections', 50),
    fixedRate,
    latencyRates: flags.has('rate') ? [fixedRate] : [...new Set([200, 500, fixedRate])].sort((a, b) => a - b),
    churnMinutes: number('churn-minutes', quick ? 0.5 : 10),
    scaleLevels: quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000],
    purgeRows: quick ? 100_000 : 1_000_000,
    publish: flags.get('publish') === 'true',
    outDir: flags.get('out') ?? `bench-results/${stamp}`,
    ...(flags.has('report-only') ? { reportOnly: flags.get('report-only') as string } : {})
  }
}
