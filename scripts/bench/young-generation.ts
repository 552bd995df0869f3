// How large may V8's young generation grow? The server runs create and reveal with V8's default
// and with --max-semi-space-size capped at 16, 8 and 4 MiB (production uses 16, ADR 9): peak RSS
// against server CPU per request, each setting in a fresh process on a fresh database.
import { SHARED_POSTGRES } from './database.ts'
import type { WorkloadSummary } from './load.ts'
import { memoryMiB } from './proc.ts'
import { startSubject } from './subject.ts'
import { runWorkload, type Timing } from './workloads.ts'

export interface YoungGenerationResult {
  /** MiB per semi-space; null = V8's default (grows to 64 MiB per semi-space under load). */
  semiSpaceMiB: number | null
  peakRssMiB: number | undefined
  workloads: Record<string, WorkloadSummary>
}

export const SEMI_SPACE_SETTINGS: ReadonlyArray<number | null> = [null, 16, 8, 4]

export async function measureYoungGeneration (timing: Timing, env: Record<string, string>, outDir: string, expectedRate: number, log: (line: string) => void): Promise<YoungGenerationResult[]> {
  const results: YoungGenerationResult[] = []
  for (const semiSpaceMiB of SEMI_SPACE_SETTINGS) {
    log(`  young generation: ${semiSpaceMiB === null ? 'V8 default' : `--max-semi-space-size=${semiSpaceMiB}`}`)
    const runtimeArgs = semiSpaceMiB === null ? [] : [`--max-semi-space-size=${semiSpaceMiB}`]
    const subject = await startSubject({ endpoint: SHARED_POSTGRES, env, connections: timing.connections, runtimeArgs })
    const workloads: Record<string, WorkloadSummary> = {}
    try {
      let rate = expectedRate
      for (const workload of ['create', 'reveal'] as const) {
        workloads[workload] = await runWorkload(subject, workload, timing, outDir, rate, log)
        if (workload === 'create') rate = workloads[workload].okPerSecond.median
      }
      results.push({ semiSpaceMiB, peakRssMiB: memoryMiB(subject.server.pid)?.peak, workloads })
    } finally {
      await subject.stop()
    }
  }
  return results
}
