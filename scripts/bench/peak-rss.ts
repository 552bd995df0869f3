// A server's peak RSS per phase. Writing "5" to /proc/<pid>/clear_refs resets its VmHWM to its
// current RSS (Linux, same user), so each workload's peak is its own and not the largest of every
// workload before it; the process's peak over its life is kept as the largest of the phases'.
import { writeFileSync } from 'node:fs'
import { memoryMiB } from './proc.ts'

export class PeakRss {
  readonly #pid: number | undefined
  /** The largest peak of the phases before the last reset. */
  #earlier = 0
  #phaseStarted = false

  constructor (pid: number | undefined) {
    this.#pid = pid
  }

  /** Starts a phase: its peak will count from now. False where the kernel refused the reset. */
  startPhase (): boolean {
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

  #read (): number | undefined {
    return this.#pid === undefined ? undefined : memoryMiB(this.#pid)?.peak
  }
}
