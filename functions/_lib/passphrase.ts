// Argon2id hashing of passphrases on the libuv threadpool, with bounded concurrency.
import { randomBytes } from 'node:crypto'
import { hash, hashRaw, verify } from '@node-rs/argon2'
import { PASSPHRASE_SALT_BYTES, type PassphraseKey } from './crypto.ts'
import { ServiceBusy } from './errors.ts'

// OWASP's Argon2id recommendation: 19 MiB, 2 passes, 1 lane (~5 ms per hash here).
// algorithm 2 is Argon2id (a const enum in the typings, which type stripping cannot import).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

/**
 * A counting semaphore. Hashes beyond `limit` wait; beyond `limit + queue` the request is
 * refused with 503, so a burst of passphrase requests cannot queue unbounded memory.
 */
export class HashPool {
  #running = 0
  readonly #waiting: Array<() => void> = []
  readonly limit: number
  readonly queue: number

  constructor (limit: number, queue = 256) {
    this.limit = limit
    this.queue = queue
  }

  async run<T> (work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.limit) {
      if (this.#waiting.length >= this.queue) throw new ServiceBusy()
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
    } else {
      this.#running++
    }
    try {
      return await work()
    } finally {
      const next = this.#waiting.shift()
      if (next === undefined) this.#running--
      else next()
    }
  }
}

export async function hashPassphrase (pool: HashPool, passphrase: string): Promise<string> {
  return await pool.run(async () => await hash(passphrase, OPTIONS))
}

/** Constant-time comparison happens inside argon2's verify. */
export async function verifyPassphrase (pool: HashPool, encoded: string, passphrase: string): Promise<boolean> {
  return await pool.run(async () => await verify(encoded, passphrase))
}

/**
 * The passphrase's share of a gated secret's data key: Argon2id raw output under its own salt
 * (not the verification hash's), so the stored hash does not yield it.
 */
export async function derivePassphraseKey (pool: HashPool, passphrase: string, salt: Buffer = randomBytes(PASSPHRASE_SALT_BYTES)): Promise<PassphraseKey> {
  const key = await pool.run(async () => await hashRaw(passphrase, { ...OPTIONS, salt, outputLen: 32 }))
  return { salt, key }
}
