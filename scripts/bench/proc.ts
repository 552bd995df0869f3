// Reads CPU time and memory of processes from /proc, and describes the machine for the report.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream architecture.
const TICKS_PER_SECOND = Number(tryRun('getconf', ['CLK_TCK']) ?? 100)

/** CPU seconds (user + system, all threads) a process has used so far; undefined once it is gone. */
export function cpuSeconds (pid: number): number | undefined {
  const split = cpuSplit(pid)
  return split === undefined ? undefined : split.user + split.system
}

/** CPU seconds a process has spent in user space and in the kernel (system calls) so far. */
export function cpuSplit (pid: number): { user: number, system: number } | undefined {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND }
}

/** CPU seconds of several processes, by pid (pids that have exited are left out). */
export function cpuSnapshot (pids: readonly number[]): Map<number, number> {
  const snapshot = new Map<number, number>()
  for (const pid of pids) {
    const seconds = cpuSeconds(pid)
    if (seconds !== undefined) snapshot.set(pid, seconds)
  }
  return snapshot
}

/** CPU seconds used between two snapshots by the processes present in both. */
export function cpuDelta (before: Map<number, number>, after: Map<number, number>): number {
  let total = 0
  for (const [pid, end] of after) {
    const start = before.get(pid)
    if (start !== undefined) total += end - start
  }
  return total
}

/** Resident memory of a process in MiB: now (VmRSS) and the peak since it started (VmHWM). */
export function memoryMiB (pid: number): { rss: number, peak: number } | undefined {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return undefined
  }
  const kib = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN)
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 }
}

export interface MachineDescription {
  cpus: number
  cpuModel: string
  memoryGiB: number
  kernel: string
  node: string
  loadAverageAtStart: number[]
}

export function describeMachine (): MachineDescription {
  const model = /^model name\s*:\s*(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown'
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number)
  return {
    cpus: Number(tryRun('nproc', []) ?? cpus().length),
    cpuModel: model.trim(),
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(),
    node: process.version,
    loadAverageAtStart: loadavg
  }
}

export function tryRun (command: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return undefined
  }
}
