// Argon2id on the libuv threadpool, with bounded concurrency: one run per passphrase set or checked.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { hashRaw, verify } from '@node-rs/argon2'
import { PASSPHRASE_SALT_BYTES, type PassphraseKey } from './crypto.ts'
import { ServiceBusy } from '../platform/errors.ts'

// One of OWASP's recommended Argon2id configurations (its values below); each run keeps one core busy.
// memoryCost is in KiB: each run in flight holds that much, on top of the server's own memory.
export const ARGON2ID_COST = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const
// algorithm 2 is Argon2id (a const enum in the typings, which type stripping cannot import).
const ARGON2ID = 2

/**
 * A counting semaphore. Hashes beyond `limit` wait; beyond `limit + queue` the request is
 * refused with 503, so a burst of passphrase requests cannot queue unbounded memory.
 */
export class HashPool {
  #running = 0
  #completed = 0
  readonly #waiting: Array<() => void> = []
  readonly limit: number
  readonly queue: number

  constructor (limit: number, queue = 256) {
    this.limit = limit
    this.queue = queue
  }

  /** Argon2id runs finished (or failed) in this pool since it was made. */
  get completed (): number {
    return this.#completed
  }

  /** Runs waiting for a free slot now. */
  get waiting (): number {
    return this.#waiting.length
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
      this.#completed++
      const next = this.#waiting.shift()
      if (next === undefined) this.#running--
      else next()
    }
  }
}

/**
 * What is stored for a passphrase: `$burnlink-argon2id$v=19$m=…,t=…,p=…$<salt>$<verifier>`
 * (unpadded base64). One Argon2id run of the passphrase under the salt gives 32 bytes; two HMACs
 * of them under different labels give the verifier (stored) and, for a gated secret, the
 * passphrase's share of the data key (never stored). The verifier does not yield the key share:
 * from a dump, both cost the same Argon2id run per guessed passphrase. Before this format, the
 * check and the key share were two runs under two salts; their rows (a standard PHC
 * `$argon2id$…` string) are still checked and opened as before (ADR 14).
 */
const FORMAT = 'burnlink-argon2id'
const VERIFIER_LABEL = 'burnlink.passphrase.verifier.v1'
const KEY_LABEL = 'burnlink.passphrase.data-key.v1'

/** A new passphrase's stored form and its data-key share, from one Argon2id run. */
export interface HashedPassphrase {
  readonly encoded: string
  readonly key: PassphraseKey
}

/** The result of checking a passphrase: its data-key share when the stored form yields one. */
export type PassphraseCheck = { readonly ok: false } | { readonly ok: true, readonly key: PassphraseKey | undefined }

interface Cost { memoryCost: number, timeCost: number, parallelism: number }

export async function hashPassphrase (pool: HashPool, passphrase: string): Promise<HashedPassphrase> {
  const salt = randomBytes(PASSPHRASE_SALT_BYTES)
  const root = await argon2idRaw(pool, passphrase, salt, ARGON2ID_COST)
  const encoded = `$${FORMAT}$v=19$m=${ARGON2ID_COST.memoryCost},t=${ARGON2ID_COST.timeCost},p=${ARGON2ID_COST.parallelism}$${unpadded(salt)}$${unpadded(label(root, VERIFIER_LABEL))}`
  return { encoded, key: { salt, key: label(root, KEY_LABEL) } }
}

/** Constant-time comparison: of the verifier here, inside argon2's verify for the older form. */
export async function checkPassphrase (pool: HashPool, encoded: string, passphrase: string): Promise<PassphraseCheck> {
  if (encoded.startsWith('$argon2id$')) {
    refuseCostlier(phcCost(encoded))
    const ok = await pool.run(async () => await verify(encoded, passphrase))
    return ok ? { ok, key: undefined } : { ok }
  }
  const stored = parse(encoded)
  refuseCostlier(stored.cost)
  const root = await argon2idRaw(pool, passphrase, stored.salt, stored.cost)
  const verifier = label(root, VERIFIER_LABEL)
  if (verifier.length !== stored.verifier.length || !timingSafeEqual(verifier, stored.verifier)) return { ok: false }
  return { ok: true, key: { salt: stored.salt, key: label(root, KEY_LABEL) } }
}

/**
 * The data-key share of a gated secret stored before the one-run format: Argon2id's own output
 * under the salt in the ciphertext's header (a second run, separate from the check).
 */
export async function deriveLegacyPassphraseKey (pool: HashPool, passphrase: string, salt: Buffer): Promise<PassphraseKey> {
  const key = await argon2idRaw(pool, passphrase, salt, ARGON2ID_COST)
  return { salt, key }
}

async function argon2idRaw (pool: HashPool, passphrase: string, salt: Buffer, cost: Cost): Promise<Buffer> {
  return await pool.run(async () => await hashRaw(passphrase, { algorithm: ARGON2ID, ...cost, salt, outputLen: 32 }))
}

function label (root: Buffer, name: string): Buffer {
  return createHmac('sha256', root).update(name).digest()
}

function unpadded (bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '')
}

const ENCODED = /^\$burnlink-argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/

function parse (encoded: string): { cost: Cost, salt: Buffer, verifier: Buffer } {
  const match = ENCODED.exec(encoded)
  if (match === null) throw new Error('unrecognised passphrase hash')
  const [, m = '', t = '', p = '', salt = '', verifier = ''] = match
  return {
    cost: { memoryCost: Number(m), timeCost: Number(t), parallelism: Number(p) },
    salt: Buffer.from(salt, 'base64'),
    verifier: Buffer.from(verifier, 'base64')
  }
}

/**
 * The cost is read from the stored hash, and whoever can write to the database could raise it
 * until one check allocates gigabytes: nothing above the server's own cost is ever run.
 */
function refuseCostlier (cost: Cost | undefined): void {
  if (cost !== undefined && cost.memoryCost <= ARGON2ID_COST.memoryCost && cost.timeCost <= ARGON2ID_COST.timeCost && cost.parallelism <= ARGON2ID_COST.parallelism) return
  throw new Error('a stored passphrase hash asks for more Argon2id work than ARGON2ID_COST (or none can be read); refused')
}

function phcCost (encoded: string): Cost | undefined {
  const match = /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,10})\$/.exec(encoded)
  return match === null ? undefined : { memoryCost: Number(match[1]), timeCost: Number(match[2]), parallelism: Number(match[3]) }
}
