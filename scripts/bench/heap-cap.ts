// Is the server's RSS growth garbage V8 has not collected yet, or live memory? The same workloads
// with the old generation capped (--max-old-space-size): if RSS stays low and throughput and CPU
// per request hold, the growth was lazy collection, not a leak.
import { SHARED_POSTGRES } from './database.ts'
import type { WorkloadSummary } from './load.ts'
import { startSubject } from './subject.ts'
import { runWorkload, type Timing } from './workloads.ts'

export interface HeapCapResult { maxOldSpaceMiB: number, workloads: Record<string, WorkloadSummary>, peakRssMiB: number | undefined }

export async function measureHeapCap (maxOldSpaceMiB: number, timing: Timing, env: Record<string, string>, outDir: string, expectedRate: number, log: (line: string) => void): Promise<HeapCapResult> {
  const subject = await startSubject({ endpoint: SHARED_POSTGRES, env, connections: timing.connections, nodeArgs: [`--max-old-space-size=${maxOldSpaceMiB}`] })
  const workloads: Record<string, WorkloadSummary> = {}
  try {
    let rate = expectedRate
    for (const workload of ['create', 'reveal', 'mixed'] as const) {
      const summary = await runWorkload(subject, workload, timing, outDir, rate, log)
      workloads[workload] = summary
      if (workload === 'create') rate = summary.okPerSecond.median
    }
    return { maxOldSpaceMiB, workloads, peakRssMiB: subject.peakRss.overall() }
  } finally {
    await subject.stop()
  }
}
