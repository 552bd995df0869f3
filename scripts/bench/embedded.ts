// The embedded default as a newcomer meets it: `npm start` with no POSTGRES_HOST on an empty
// DATA_DIR. Time to ready on the first start (the cluster is created) and on a later one; the PSS
// of npm, the server and every PostgreSQL process, idle and after a burst of creates; then
// creates and reveals at saturation in this mode.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { runLoad, type WorkloadSummary } from './load.ts'
import type { Timing } from './options.ts'
import { readProc, waitIdle } from './proc.ts'
import { breakdown, descendants, postmasters, processesIn, treeMemory, type TreeMemory } from './pss.ts'
import { launch, type RunningServer } from './server.ts'
import { seedThroughApi, UNLIMITED } from './subject.ts'
import { runWorkload } from './workloads.ts'

export interface EmbeddedStart { readyMs: number, idle: TreeMemory }

export interface EmbeddedResult {
  firstStart: EmbeddedStart
  afterBurst: TreeMemory
  burstCreates: number
  /** SIGTERM to the server left no PostgreSQL process behind. */
  stoppedCleanly: boolean
  laterStart: EmbeddedStart
  create?: WorkloadSummary
  reveal?: WorkloadSummary
}

interface Started { npm: RunningServer, serverPid: number, readyMs: number }

const args = (pid: number): string[] => readProc(`${pid}/cmdline`)?.split('\0') ?? []

/** `npm start` as a user runs it (its prestart web build included); nothing of the bench's environment reaches it. */
async function npmStart (dataDir: string): Promise<Started> {
  const started = performance.now()
  const npm = await launch('npm', ['start'], { DATA_DIR: dataDir, ...UNLIMITED })
  const readyMs = Math.round(performance.now() - started)
  const serverPid = descendants([npm.pid]).find((pid) => /(^|\/)node$/.test(args(pid)[0] ?? '') && args(pid).some((a) => a.endsWith('functions/_host/serve.ts')))
  if (serverPid !== undefined) return { npm, serverPid, readyMs }
  await npm.stop()
  throw new Error('npm start is ready but no node process runs functions/_host/serve.ts under it')
}

/** SIGTERM to the server, as a service manager sends it; true when its PostgreSQL stopped with it. */
async function stop (s: Started, dataDir: string): Promise<boolean> {
  await s.npm.stop(s.serverPid)
  for (let i = 0; i < 50 && processesIn(dataDir).length > 0; i++) await sleep(100)
  const clean = processesIn(dataDir).length === 0
  for (const pid of postmasters(dataDir)) process.kill(pid, 'SIGINT') // a fast shutdown of what was left
  for (let i = 0; i < 100 && processesIn(dataDir).length > 0; i++) await sleep(100)
  return clean
}

export async function measureEmbedded (timing: Timing, quick: boolean, workDir: string, log: (line: string) => void): Promise<EmbeddedResult> {
  // DATA_DIR does not exist yet, as on a bare machine. Its parent lets other users through, as a
  // checkout does, for a cluster that runs as another user when the bench runs as root.
  const parent = mkdtempSync(join(tmpdir(), 'burnlink-bench-'))
  chmodSync(parent, 0o755)
  const dataDir = join(parent, 'data')
  const memory = (s: Started): TreeMemory => treeMemory(s.npm.pid, dataDir, { [s.npm.pid]: 'npm', [s.serverPid]: 'server' })
  // Start-up work (migrations, pg-boss) settles before idle memory is read.
  const idle = async (s: Started): Promise<EmbeddedStart> => {
    await sleep((quick ? 2 : 5) * 1000)
    await waitIdle(s.serverPid)
    const start = { readyMs: s.readyMs, idle: memory(s) }
    log(`  ready after ${start.readyMs} ms; idle ${start.idle.pssMB.toFixed(0)} MB PSS ${breakdown(start.idle)}`)
    return start
  }
  const burstCreates = quick ? 3_000 : 20_000
  let running: Started | undefined
  try {
    running = await npmStart(dataDir)
    const firstStart = await idle(running)
    const burst = await runLoad({ url: running.npm.url, workload: 'create', connections: timing.connections, warmup: {}, measure: { amount: burstCreates } })
    await waitIdle(running.serverPid)
    const afterBurst = memory(running)
    log(`  after ${burst.ok} creates: ${afterBurst.pssMB.toFixed(0)} MB PSS ${breakdown(afterBurst)}`)
    const stoppedCleanly = await stop(running, dataDir)
    running = await npmStart(dataDir)
    const result: EmbeddedResult = { firstStart, afterBurst, burstCreates, stoppedCleanly, laterStart: await idle(running) }
    const { npm, serverPid } = running
    const subject = {
      mode: 'embedded' as const,
      url: npm.url,
      pid: serverPid,
      // Every process of the cluster, postmaster included: the database's whole CPU.
      target: { serverPid, exitReport: npm.exitReport, backendPids: async () => processesIn(dataDir) },
      seed: async (count: number, keysFile: string) => { await seedThroughApi(npm.url, timing.connections, count, keysFile) },
      reset: async () => {}
    }
    result.create = await runWorkload(subject, 'create', timing, workDir, 1000, log)
    result.reveal = await runWorkload(subject, 'reveal', timing, workDir, result.create.okPerSecond.median, log)
    return result
  } finally {
    if (running !== undefined) await stop(running, dataDir)
    for (const pid of postmasters(dataDir)) process.kill(pid, 'SIGINT') // left by a start that failed
    rmSync(parent, { recursive: true, force: true })
  }
}
