// Command-line options of `npm run bench`: which phases run and for how long.

export const PHASES = ['bare', 'ceiling', 'create', 'reveal', 'mixed', 'passphrase', 'fixed-rate', 'scale', 'purge', 'files', 'embedded'] as const
export type PhaseName = typeof PHASES[number]

export interface Timing { rounds: number, warmupSeconds: number, measureSeconds: number, connections: number }

export interface BenchOptions extends Timing {
  quick: boolean
  only: ReadonlySet<PhaseName>
  /** Rates of the fixed-rate phase; the scale phase's reads run at the highest, the purge's at half of it. */
  rates: number[]
  /** Stored secrets at which reveals are measured (the first is the reference). */
  scaleLevels: number[]
  purgeRows: number
  /** The files phase: how many files are uploaded (and downloaded) at once, and their size. */
  files: { count: number, bytes: number }
  /** Copy the run into docs/benchmarks/ and docs/benchmarks.md's generated section. */
  publish: boolean
  outDir: string
  /** Only render report.md (and publish it) from an earlier run's results.json in this directory. */
  reportOnly?: string
}

export const USAGE = `usage: npm run bench -- [--quick] [--only=a,b] [--rounds=N] [--warmup=S] [--seconds=S] [--connections=N] [--files=N] [--file-mib=N] [--out=DIR] [--publish] [--report-only=DIR]
  phases: ${PHASES.join(', ')}`

const KNOWN = new Set(['quick', 'only', 'rounds', 'warmup', 'seconds', 'connections', 'files', 'file-mib', 'out', 'publish', 'report-only', 'help'])

export function parseOptions (argv: readonly string[], now = new Date()): BenchOptions {
  const flags = new Map<string, string>()
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg)
    if (match === null) throw new Error(`unknown argument ${arg}\n${USAGE}`)
    flags.set(match[1] as string, match[2] ?? 'true')
  }
  for (const name of flags.keys()) if (!KNOWN.has(name)) throw new Error(`unknown option --${name}\n${USAGE}`)
  if (flags.has('help')) throw new Error(USAGE)
  const number = (name: string, fallback: number): number => {
    const raw = flags.get(name)
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name}=${raw} is not a positive number`)
    return value
  }
  const chosen = (flags.get('only') ?? PHASES.join(',')).split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const name of chosen) {
    if (!(PHASES as readonly string[]).includes(name)) throw new Error(`--only: unknown phase ${name}\n${USAGE}`)
  }
  const quick = flags.get('quick') === 'true'
  const reportOnly = flags.get('report-only')
  return {
    quick,
    only: new Set(chosen as PhaseName[]),
    rounds: number('rounds', quick ? 1 : 2),
    warmupSeconds: number('warmup', quick ? 1 : 2),
    measureSeconds: number('seconds', quick ? 3 : 8),
    connections: number('connections', 50),
    rates: quick ? [1000] : [200, 1000],
    scaleLevels: quick ? [10_000, 100_000] : [10_000, 1_000_000],
    purgeRows: quick ? 50_000 : 1_000_000,
    // Changing the size alone at the same count tells whether the server's memory follows the
    // files' size (it should not: it streams) or only how many move at once.
    files: { count: number('files', quick ? 2 : 5), bytes: number('file-mib', quick ? 4 : 20) * 1024 * 1024 },
    publish: flags.get('publish') === 'true',
    outDir: flags.get('out') ?? `bench-results/${now.toISOString().replace(/[:.]/g, '-')}`,
    ...(reportOnly === undefined ? {} : { reportOnly })
  }
}
