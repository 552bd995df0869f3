// How large may V8's young generation grow? The server runs create, create with passphrase (the
// phase where the server's memory peaks) and reveal with V8's default and with
// --max-semi-space-size capped at 16, 8 and 4 MiB (production uses 8, ADR 9): peak RSS against
// server CPU per request, each setting in a fresh process on a fresh database, the other
// production flags unchanged.
import type { WorkloadSummary } from './load.ts'
import { productionArgsWith, sweepSetting } from './setting-sweep.ts'
import type { Timing } from './workloads.ts'

export interface YoungGenerationResult {
  /** MiB per semi-space; null = V8's default (grows to 64 MiB per semi-space under load). */
  semiSpaceMiB: number | null
  peakRssMiB: number | undefined
  workloads: Record<string, WorkloadSummary>
}

export const SEMI_SPACE_SETTINGS: ReadonlyArray<number | null> = [null, 16, 8, 4]

export async function measureYoungGeneration (timing: Timing, env: Record<string, string>, outDir: string, expectedRate: number, log: (line: string) => void): Promise<YoungGenerationResult[]> {
  const settings = SEMI_SPACE_SETTINGS.map((value) => ({ value, runtimeArgs: productionArgsWith('--max-semi-space-size', value) }))
  const points = await sweepSetting(settings, ['create', 'create-passphrase', 'reveal'], timing, env, outDir, expectedRate, log)
  return points.map(({ value, ...rest }) => ({ semiSpaceMiB: value, ...rest }))
}
