// A server's peak RSS per phase. Writing "5" to /proc/<pid>/clear_refs resets its VmHWM to its
// current RSS (Linux, same user), so each workload's peak is its own and not the largest of every
// workload before it; the process's peak over its life is kept as the largest of the phases'.
import { writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuSeconds, memoryMiB } from './proc.ts'

/** Under this much CPU (a tenth of a core) over SETTLE_WINDOW_MS, the server has nothing in flight. */
const IDLE_CPU_SECONDS = 0.025
const SETTLE_WINDOW_MS = 250
const SETTLE_LIMIT_MS = 20_000

export class PeakRss {
  readonly #pid: number | undefined
  /** The largest peak of the phases before the last reset. */
  #earlier = 0
  #phaseStarted = false

  constructor (pid: number | undefined) {
    this.#pid = pid
  }

  /**
   * Starts a phase once the server is idle: its peak counts from then. The wait matters after
   * passphrase workloads, whose queued hashes (up to 50 × 20 ms) run on after their clients stop:
   * reset then, the next workload's peak would start at their memory. False where the kernel
   * refused the reset.
   */
  async startPhase (): Promise<boolean> {
    await this.#settled()
    const before = this.#read()
    if (this.#pid === undefined || before === undefined) return (this.#phaseStarted = false)
    try {
      writeFileSync(`/proc/${this.#pid}/clear_refs`, '5')
    } catch {
      return (this.#phaseStarted = false) // not Linux, or not permitted: the life peak still holds
    }
    this.#earlier = Math.max(this.#earlier, before)
    return (this.#phaseStarted = true)
  }

  /** Peak RSS in MiB since startPhase(); undefined if the phase could not be started. */
  phase (): number | undefined {
    return this.#phaseStarted ? this.#read() : undefined
  }

  /** Peak RSS in MiB over the process's life so far. */
  overall (): number | undefined {
    const now = this.#read()
    return now === undefined ? undefined : Math.max(this.#earlier, now)
  }

  async #settled (): Promise<void> {
    if (this.#pid === undefined) return
    const deadline = Date.now() + SETTLE_LIMIT_MS
    let before = cpuSeconds(this.#pid)
    while (before !== undefined && Date.now() < deadline) {
      await sleep(SETTLE_WINDOW_MS)
      const now = cpuSeconds(this.#pid)
      if (now === undefined || now - before < IDLE_CPU_SECONDS) return
      before = now
    }
  }

  #read (): number | undefined {
    return this.#pid === undefined ? undefined : memoryMiB(this.#pid)?.peak
  }
}
