// Argon2id's threads yield to the event loop: the libuv threadpool runs at a lower priority.
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { lowerThreadpoolPriority, THREADPOOL_NICE } from '../functions/_lib/threadpool-priority.ts'
import { hashPassphrase, HashPool } from '../functions/_lib/passphrase.ts'

/** Nice value of each thread with this name (field 19 of /proc/<pid>/task/<tid>/stat). */
function niceOf (name: string): number[] {
  return readdirSync('/proc/self/task')
    .filter((tid) => readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === name)
    .map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]))
}

test('the threadpool that hashes passphrases runs at a lower priority than the event loop', { skip: process.platform !== 'linux' && 'needs Linux /proc' }, async () => {
  const lowered = await lowerThreadpoolPriority()
  assert.ok(lowered >= 1, 'found the libuv-worker threads')
  assert.deepEqual(niceOf('libuv-worker'), new Array(lowered).fill(THREADPOOL_NICE))
  assert.deepEqual(niceOf('MainThread'), [0], 'the event loop keeps its priority')
  // And it is the pool Argon2id uses: a hash still completes there.
  assert.match(await hashPassphrase(new HashPool(1), 'correct horse'), /^\$argon2id\$/)
})
