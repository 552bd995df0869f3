// Argon2id hashes run on libuv's threadpool and keep a core busy for each hash (~5–15 ms). On a
// machine where the event loop and PostgreSQL share the cores with them, every other request
// would wait behind the hashing: with a saturating passphrase load, reveals' p99 rose 8× (the
// bench's passphrase-interference phase). So the threadpool's threads run under SCHED_IDLE: they
// get every idle cycle, a waking thread of any other policy preempts them at once, and the kernel
// counts a core that runs only them as idle when it places a waking thread. A nice value only
// shrinks their share; a waking event loop or backend could still wait out a hash's time slice
// (reveals' p99 at 500/s beside saturating passphrase creates, taking turns: median 16.8 ms at
// nice 10, 13.5 under SCHED_IDLE; ADR 13). Node sets nice values but not scheduling policies, so
// util-linux's chrt sets it, one thread at a time; without chrt the threads keep the nice value.
import { execFile } from 'node:child_process'
import { randomFill } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { setPriority } from 'node:os'

/** Nice value of the threadpool: a tenth of the CPU share of a default-priority thread under contention. */
export const THREADPOOL_NICE = 10

export interface ThreadpoolPriority {
  /** libuv-worker threads found and lowered. */
  threads: number
  /** 'idle' if every one of them runs under SCHED_IDLE, else 'nice' (THREADPOOL_NICE only). */
  policy: 'idle' | 'nice'
}

/** Lowers the priority of this process's libuv threadpool threads (Linux). */
export async function lowerThreadpoolPriority (): Promise<ThreadpoolPriority> {
  if (process.platform !== 'linux') return { threads: 0, policy: 'nice' }
  // libuv starts all its threads on the pool's first use: make sure they exist.
  await new Promise<void>((resolve, reject) => { randomFill(Buffer.alloc(1), (err) => { if (err === null) resolve(); else reject(err) }) })
  let threads = 0
  let idle = 0
  for (const tid of threadIds()) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'libuv-worker') continue
      // On Linux a thread is a task with its own nice value; setpriority() accepts its id.
      setPriority(tid, THREADPOOL_NICE)
      threads++
    } catch {
      continue // the thread ended meanwhile: nothing to lower
    }
    if (await setIdlePolicy(tid)) idle++
  }
  return { threads, policy: threads > 0 && idle === threads ? 'idle' : 'nice' }
}

/** `chrt --idle --pid 0 <tid>`: lowering one's own threads needs no privilege, also in a container. */
async function setIdlePolicy (tid: number): Promise<boolean> {
  return await new Promise((resolve) => {
    execFile('chrt', ['--idle', '--pid', '0', String(tid)], { timeout: 5000 }, (err) => { resolve(err === null) })
  })
}

function threadIds (): number[] {
  try {
    return readdirSync('/proc/self/task').map(Number)
  } catch {
    return [] // no /proc: leave the priorities alone
  }
}
