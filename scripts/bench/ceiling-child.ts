// The database ceilings, driven through postgres.js with the same concurrency as the HTTP load,
// and no HTTP. Runs as its own process, like the load generator.
// - `single`: the ceiling, one statement per operation: the one-row statements
//   (insertSecret, takeSecret) that the server sent for every request before ADR 12; pgbench
//   runs the same two.
// - `batched`: the server's statements as it sends them under load, through its own
//   secretWriter and secretTaker, which put the operations of one event-loop turn into one.
import { createHash, randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { secretTaker, takeSecret, type Take } from '../../functions/_lib/secrets/store.ts'
import { insertSecret, secretWriter, type NewSecret } from '../../functions/_lib/secrets/store.ts'
import type { ChildMessage, LoadResult } from './load-child.ts'
import { summarizeLatency } from './stats.ts'

export interface CeilingSpec {
  host: string
  port: number
  user: string
  database: string
  statement: 'create' | 'reveal'
  /** One statement per operation (the ceiling), or Burnlink's statements per turn. */
  batching: 'single' | 'batched'
  concurrency: number
  poolSize: number
  warmupSeconds: number
  measureSeconds: number
  /** Reveal: rows with id = sha256(int8send(n)) exist for n in [firstId, firstId + idCount). */
  firstId?: number
  idCount?: number
  /** Size of the server's ciphertext for a 1 KiB secret (seed.ts sealedSize()). */
  ciphertextBytes: number
}

/** The row id the seeding SQL gives number n: sha256(int8send(n)). */
export function ceilingId (n: number): Buffer {
  const bytes = Buffer.alloc(8)
  bytes.writeBigInt64BE(BigInt(n))
  return createHash('sha256').update(bytes).digest()
}

async function run (spec: CeilingSpec): Promise<LoadResult> {
  const sql = postgres({
    host: spec.host,
    port: spec.port,
    username: spec.user,
    database: spec.database,
    max: spec.poolSize,
    onnotice: () => {},
    connection: { application_name: 'burnlink-ceiling' }
  })
  // A ciphertext of the real size; the database does not look inside it.
  const ciphertext = randomBytes(spec.ciphertextBytes)
  const by = { client_ip: '127.0.0.1', client_ip_hash: null, user_agent: 'burnlink-bench', request_id: 'req-1' }
  const details = { ttl_seconds: 86_400, passphrase: false, reveal_requires_passphrase: false, size_bucket_bytes: 1152 }
  let next = spec.firstId ?? 0
  const end = (spec.firstId ?? 0) + (spec.idCount ?? 0)

  const newSecret = (): NewSecret => {
    const id = randomBytes(32)
    return {
      id,
      ref: id.toString('hex').slice(0, 24),
      ciphertext,
      passphraseHash: null,
      revealRequiresPassphrase: false,
      ttlSeconds: 86_400,
      receiptId: randomBytes(32),
      clientIp: by.client_ip,
      clientIpHash: by.client_ip_hash,
      userAgent: by.user_agent,
      requestId: by.request_id,
      details
    }
  }
  const nextTake = (): Take | undefined => next < end ? { id: ceilingId(next++), by, gatedHash: null } : undefined

  const storeSecret = secretWriter(sql)
  const take = secretTaker(sql)
  const create = async (): Promise<boolean> => (await insertSecret(sql, newSecret())).size === 1
  const reveal = async (): Promise<boolean | undefined> => {
    const t = nextTake()
    return t === undefined ? undefined : [...(await takeSecret(sql, t)).values()][0] != null
  }
  const createBatched = async (): Promise<boolean> => {
    await storeSecret(newSecret())
    return true
  }
  const revealBatched = async (): Promise<boolean | undefined> => {
    const t = nextTake()
    return t === undefined ? undefined : (await take(t)) !== undefined
  }
  const operation = spec.batching === 'batched'
    ? (spec.statement === 'create' ? createBatched : revealBatched)
    : (spec.statement === 'create' ? create : reveal)

  const window = async (seconds: number): Promise<{ ok: number, failed: number, latencies: Float64Array, elapsed: number }> => {
    const deadline = performance.now() + seconds * 1000
    const latencies: number[] = []
    let ok = 0
    let failed = 0
    const started = performance.now()
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const t0 = performance.now()
        const success = await operation()
        if (success === undefined) return
        if (success) {
          ok++
          latencies.push(performance.now() - t0)
        } else {
          failed++
        }
      }
    }
    await Promise.all(Array.from({ length: spec.concurrency }, worker))
    return { ok, failed, latencies: Float64Array.from(latencies), elapsed: (performance.now() - started) / 1000 }
  }

  if (spec.warmupSeconds > 0) await window(spec.warmupSeconds)
  process.send?.({ type: 'measuring' } satisfies ChildMessage)
  const measured = await window(spec.measureSeconds)
  // The pool stays open until the process exits: the bench reads the backends' CPU time after
  // this result arrives, and closing first would end them before that.
  return {
    workload: 'create',
    seconds: measured.elapsed,
    requests: measured.ok + measured.failed,
    ok: measured.ok,
    statuses: { 200: measured.ok, ...(measured.failed > 0 ? { 404: measured.failed } : {}) },
    errors: 0,
    timeouts: 0,
    okPerSecond: measured.ok / measured.elapsed,
    latencyMs: summarizeLatency(measured.latencies),
    keysUsed: 0
  }
}

process.on('message', (message: { type: 'run', spec: CeilingSpec }) => {
  if (message.type !== 'run') return
  run(message.spec).then(
    (result) => { process.send?.({ type: 'result', result } satisfies ChildMessage, () => process.exit(0)) },
    (err: unknown) => { process.send?.({ type: 'failed', message: String((err as Error).stack ?? err) } satisfies ChildMessage, () => process.exit(1)) }
  )
})
