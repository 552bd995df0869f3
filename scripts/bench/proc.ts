// What /proc says about processes (CPU time, memory) and about the machine the run is on.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'

// utime and stime count clock ticks; USER_HZ is 100 on every mainstream architecture.
const TICKS_PER_SECOND = Number(tryRun('getconf', ['CLK_TCK']) ?? 100)

/** The /proc/<pid>/stat fields after the command name (which may hold spaces); undefined once gone. */
export function statFields (pid: number): string[] | undefined {
  const stat = readProc(`${pid}/stat`)
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')
}

/** A /proc file's text; undefined when it is gone or not ours to read. */
export function readProc (path: string): string | undefined {
  try {
    return readFileSync(`/proc/${path}`, 'utf8')
  } catch {
    return undefined
  }
}

/** CPU seconds (user + system, all threads) the processes have used so far; those gone count 0. */
export function cpuSeconds (pids: readonly number[]): number {
  return pids.map(statFields).reduce((total, f) => total + (f === undefined ? 0 : (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND), 0)
}

/** Resident memory in MiB: now (VmRSS) and the peak (VmHWM) since start or the last resetPeak. */
export function memoryMiB (pid: number): { rss: number, peak: number } | undefined {
  const status = readProc(`${pid}/status`)
  if (status === undefined) return undefined
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 }
}

/** Resets VmHWM to the current RSS (Linux), so that the next peak read is a workload's own. */
export function resetPeak (pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    return true
  } catch {
    return false
  }
}

/**
 * Waits (at most `limitMs`) until a process uses under a tenth of a core: passphrase hashes that
 * a finished workload queued run on after its clients stop, and would count as the next one's.
 */
export async function waitIdle (pid: number, limitMs = 20_000): Promise<void> {
  const deadline = Date.now() + limitMs
  for (let before = cpuSeconds([pid]); Date.now() < deadline;) {
    await sleep(250)
    const now = cpuSeconds([pid])
    if (now - before < 0.025) return
    before = now
  }
}

export interface MachineDescription { cpus: number, cpuModel: string, memoryGiB: number, kernel: string, node: string, loadAverageAtStart: number[] }

export function describeMachine (): MachineDescription {
  return {
    cpus: Number(tryRun('nproc', []) ?? cpus().length),
    cpuModel: (/^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown').trim(),
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    node: process.version,
    loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
  }
}

export function tryRun (command: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return undefined
  }
}
