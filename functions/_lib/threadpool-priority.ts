// Argon2id hashes run on libuv's threadpool and keep a core busy for each hash (~15 ms here). On a
// machine where the event loop and PostgreSQL share the cores with them, every other request
// would wait behind the hashing: with a saturating passphrase load, reveals' p99 rose 8× (the
// bench's passphrase-interference phase). At a lower CPU priority the hashes still get every
// idle cycle, but yield to the event loop and the database whenever those have work.
import { randomFill } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { setPriority } from 'node:os'

/** Nice value of the threadpool: a tenth of the CPU share of a default-priority thread under contention. */
export const THREADPOOL_NICE = 10

/** Lowers the priority of this process's libuv threadpool threads (Linux); returns how many. */
export async function lowerThreadpoolPriority (nice = THREADPOOL_NICE): Promise<number> {
  if (process.platform !== 'linux') return 0
  // libuv starts all its threads on the pool's first use: make sure they exist.
  await new Promise<void>((resolve, reject) => { randomFill(Buffer.alloc(1), (err) => { if (err === null) resolve(); else reject(err) }) })
  let lowered = 0
  for (const tid of threadIds()) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'libuv-worker') continue
      // On Linux a thread is a task with its own nice value; setpriority() accepts its id.
      setPriority(tid, nice)
      lowered++
    } catch {
      // The thread ended meanwhile: nothing to lower.
    }
  }
  return lowered
}

function threadIds (): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number)
  } catch {
    return [] // no /proc: leave the priorities alone
  }
}
