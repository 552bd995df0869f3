// JavaScript heap allocated per request at the reference rate, and by whom: at 1,000 req/s the
// p99 is shaped by garbage-collection pauses (docs/benchmarks.md, "After run 9"), whose number
// follows the bytes each request allocates. V8's sampling heap profiler (scripts/bench/
// heap-sampler.ts) runs in the server for exactly the measured window.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SHARED_POSTGRES } from './database.ts'
import type { WorkloadName } from './load-child.ts'
import { runLoad } from './load.ts'
import type { BenchOptions } from './options.ts'
import { packageOf, shortUrl } from './profile.ts'
import type { AllocationResult, AllocationSpot } from './results.ts'
import { round3, spread } from './stats.ts'
import { startSubject, type Subject } from './subject.ts'

const SAMPLER = fileURLToPath(new URL('./heap-sampler.ts', import.meta.url))

interface CallFrame { functionName: string, url: string, lineNumber: number }
interface HeapProfileNode { callFrame: CallFrame, selfSize: number, children: HeapProfileNode[] }
export interface HeapProfile { head: HeapProfileNode }

export const ALLOCATION_WORKLOADS = ['reveal', 'create'] as const

export async function measureAllocation (options: BenchOptions, env: Record<string, string>, log: (line: string) => void): Promise<AllocationResult[]> {
  // BENCH_HEAP_SURVIVORS=1: only what survived scavenges (heap-sampler.ts), labelled as such.
  const survivorsOnly = process.env.BENCH_HEAP_SURVIVORS === '1'
  const dir = resolve(options.outDir, 'allocation')
  mkdirSync(dir, { recursive: true })
  const results: AllocationResult[] = []
  for (const workload of ALLOCATION_WORKLOADS) {
    const file = join(dir, `${workload}.heapprofile`)
    const subject = await startSubject({ endpoint: SHARED_POSTGRES, env: { ...env, BENCH_HEAP_PROFILE: file, BENCH_HEAP_SURVIVORS: survivorsOnly ? '1' : '' }, nodeArgs: ['--import', SAMPLER], connections: options.connections })
    try {
      const windows: Array<{ requests: number, profile: HeapProfile }> = []
      for (let round = 1; round <= options.rounds; round++) {
        rmSync(file, { force: true })
        const requests = await sampledWindow(subject, workload, options, round, dir)
        windows.push({ requests, profile: JSON.parse(readFileSync(await written(file), 'utf8')) as HeapProfile })
        const bytes = totalBytes(windows[windows.length - 1]?.profile.head)
        log(`  ${workload} at ${options.fixedRate}/s round ${round}: ${requests} requests, ${(bytes / 2 ** 20).toFixed(0)} MiB sampled, ${(bytes / requests / 1024).toFixed(1)} KiB per request`)
      }
      results.push({ ...summarizeWindows(workload, options.fixedRate, windows), ...(survivorsOnly ? { survivorsOnly } : {}) })
    } finally {
      await subject.stop()
    }
  }
  return results
}

/** One warm-up + measured window at the reference rate, the sampler on for the measured part. */
async function sampledWindow (subject: Subject, workload: WorkloadName, options: BenchOptions, round: number, dir: string): Promise<number> {
  let keysFile: string | undefined
  if (workload === 'reveal') {
    keysFile = join(dir, `keys-${round}.txt`)
    await subject.seed(Math.ceil(options.fixedRate * (options.warmupSeconds + options.measureSeconds) * 1.1) + 100, keysFile)
  }
  const signal = (): void => { process.kill(subject.server.pid, 'SIGUSR2') }
  const result = await runLoad({
    url: subject.server.url,
    workload,
    connections: options.connections,
    rate: options.fixedRate,
    warmup: { seconds: options.warmupSeconds },
    measure: { seconds: options.measureSeconds },
    ...(keysFile === undefined ? {} : { keysFile })
  }, { ...subject.target, window: { open: signal, close: signal } })
  if (result.ok !== result.requests) throw new Error(`${workload}: ${result.requests - result.ok} of ${result.requests} requests failed (${JSON.stringify(result.statuses)})`)
  return result.requests
}

async function written (file: string): Promise<string> {
  for (let waited = 0; waited < 30_000; waited += 100) {
    if (existsSync(file)) {
      // writeFileSync in the server: the file is complete once its JSON parses.
      try { JSON.parse(readFileSync(file, 'utf8')); return file } catch {}
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the server wrote no heap profile to ${file}`)
}

function totalBytes (node: HeapProfileNode | undefined): number {
  if (node === undefined) return 0
  let sum = node.selfSize
  for (const child of node.children) sum += totalBytes(child)
  return sum
}

/**
 * Bytes per request over all windows, and three views of where they were allocated: by the
 * nearest npm package or project file on the stack (Node's own frames are charged to whoever
 * called them), by the allocating function, and by the innermost Burnlink frame (which of our
 * code paths led there; "(none)" when only the framework or the event loop was on the stack).
 */
export function summarizeWindows (workload: string, rate: number, windows: ReadonlyArray<{ requests: number, profile: HeapProfile }>): AllocationResult {
  const byPackage = new Map<string, number>()
  const byFunction = new Map<string, { bytes: number, name: string, where: string }>()
  const byProjectFrame = new Map<string, number>()
  let total = 0
  const add = <K>(map: Map<K, number>, key: K, bytes: number): void => { map.set(key, (map.get(key) ?? 0) + bytes) }
  const walk = (node: HeapProfileNode, nearest: string, project: string): void => {
    const { url, functionName, lineNumber } = node.callFrame
    const own = url !== '' && !url.startsWith('node:') ? url : nearest
    const inProject = url.includes('/functions/') && !url.includes('/node_modules/')
      ? `${shortUrl(url)}: ${functionName === '' ? '(anonymous)' : functionName}`
      // A callback hook's done() runs Fastify's next steps (sending the reply) inside the hook:
      // say so, or the hook is charged with the whole response as if it were its own work.
      : project !== '(none)' && url.includes('/node_modules/fastify/') && !project.endsWith(' → fastify') ? `${project} → fastify` : project
    if (node.selfSize > 0) {
      total += node.selfSize
      const pkg = own === '' ? '(no JavaScript caller)' : packageOf(own, '')
      add(byPackage, pkg, node.selfSize)
      const name = functionName === '' ? '(anonymous)' : functionName
      const where = url === '' ? `(native) via ${own === '' ? '–' : shortUrl(own)}` : `${shortUrl(url)}:${lineNumber + 1}`
      const entry = byFunction.get(`${name}@${where}`) ?? { bytes: 0, name, where }
      entry.bytes += node.selfSize
      byFunction.set(`${name}@${where}`, entry)
      add(byProjectFrame, inProject, node.selfSize)
    }
    for (const child of node.children) walk(child, own, inProject)
  }
  for (const { profile } of windows) walk(profile.head, '', '(none)')
  const perRequest = spread(windows.map(({ requests, profile }) => totalBytes(profile.head) / requests))
  const spots = (entries: Iterable<[string, number]>, count: number): AllocationSpot[] =>
    [...entries].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, bytes]) => ({ name, where: '', share: round3(bytes / total) }))
  return {
    workload,
    rate,
    requests: windows.map((w) => w.requests),
    bytesPerRequest: { median: Math.round(perRequest.median), min: Math.round(perRequest.min), max: Math.round(perRequest.max) },
    byPackage: spots(byPackage, 12),
    byFunction: [...byFunction.values()].sort((a, b) => b.bytes - a.bytes).slice(0, 20).map((e) => ({ name: e.name, where: e.where, share: round3(e.bytes / total) })),
    byProjectFrame: spots(byProjectFrame, 12)
  }
}
