// Argon2id's threads yield to the event loop: the libuv threadpool runs at a lower priority.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { lowerThreadpoolPriority, THREADPOOL_NICE } from '../functions/_lib/threadpool-priority.ts'
import { hashPassphrase, HashPool } from '../functions/_lib/passphrase.ts'

const SCHED_OTHER = 0
const SCHED_IDLE = 5

/** A /proc/<pid>/task/<tid>/stat field (1-based, as proc(5) numbers them) of each thread with this name. */
function statOf (name: string, field: number): number[] {
  return readdirSync('/proc/self/task')
    .filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === name)
    // Fields after the command's closing parenthesis start at field 3.
    .map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[field - 3]))
}

function hasChrt (): boolean {
  try {
    execFileSync('chrt', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

test('the threadpool that hashes passphrases runs at a lower priority than the event loop', { skip: process.platform !== 'linux' && 'needs Linux /proc' }, async () => {
  const lowered = await lowerThreadpoolPriority()
  assert.ok(lowered.threads >= 1, 'found the libuv-worker threads')
  assert.deepEqual(statOf('libuv-worker', 19), new Array(lowered.threads).fill(THREADPOOL_NICE), 'nice value')
  // util-linux is on every Debian system (the container image's base too); without chrt the
  // nice value is all there is, and the function says so.
  const policy = hasChrt() ? SCHED_IDLE : SCHED_OTHER
  assert.equal(lowered.policy, policy === SCHED_IDLE ? 'idle' : 'nice')
  assert.deepEqual(statOf('libuv-worker', 41), new Array(lowered.threads).fill(policy), 'scheduling policy')
  assert.deepEqual(statOf('MainThread', 19), [0], 'the event loop keeps its nice value')
  assert.deepEqual(statOf('MainThread', 41), [SCHED_OTHER], 'and its policy')
  // And it is the pool Argon2id uses: a hash still completes there.
  assert.match((await hashPassphrase(new HashPool(1), 'correct horse')).encoded, /^\$burnlink-argon2id\$/)
})
