// The database ceilings, driven through postgres.js with the same concurrency as the HTTP load,
// and no HTTP. Runs as its own process, like the load generator.
// - `single`: the ceiling, one statement per operation: Burnlink's create and reveal
//   statements as they were before ADR 12 (functions/create-secret.ts and read-secret.ts at
//   commit f2ca9f4), which is also what pgbench runs.
// - `batched`: Burnlink's statements now, through its own secret-writer.ts and secret-taker.ts,
//   which put the operations of one event-loop turn into one statement.
import { createHash, randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { secretTaker } from '../../functions/_lib/secret-taker.ts'
import { secretWriter } from '../../functions/_lib/secret-writer.ts'
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
  const who = { client_ip: '127.0.0.1', user_agent: 'burnlink-bench', request_id: 'req-1' }
  let next = spec.firstId ?? 0
  const end = (spec.firstId ?? 0) + (spec.idCount ?? 0)

  const create = async (): Promise<boolean> => {
    const id = randomBytes(32)
    const ref = id.toString('hex').slice(0, 24)
    const details = { ttl_seconds: 86_400, passphrase: false, reveal_requires_passphrase: false, size_bucket_bytes: 1152 }
    const [row] = await sql<{ expires_at: Date }[]>`
      with stored as (
        insert into secret (id, ref, ciphertext, passphrase_hash, reveal_requires_passphrase, expires_at)
        values (${id}, ${ref}, ${ciphertext}, ${null}, ${false}, now() + make_interval(secs => ${86_400}))
        returning ref, created_at, expires_at
      ), receipted as (
        insert into receipt (id, secret_ref, created_at, expires_at)
        select ${randomBytes(32)}, ref, created_at, expires_at from stored
      ), logged as (
        insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
        select 'created', ref, ${who.client_ip}, ${null}, ${who.user_agent}, ${who.request_id}, ${sql.json(details)}
        from stored
      )
      select expires_at from stored`
    return row !== undefined
  }
  const reveal = async (): Promise<boolean | undefined> => {
    if (next >= end) return undefined
    const id = ceilingId(next++)
    const [row] = await sql<{ ciphertext: Buffer | null }[]>`
      with taken as (
        delete from secret
        where id = ${id}
          and reveal_requires_passphrase = ${false}
          and (${null}::text is null or passphrase_hash = ${null})
        returning ref, ciphertext, created_at, expires_at > now() as live
      ), logged as (
        insert into audit_log (event, secret_ref, client_ip, client_ip_hash, user_agent, request_id, details)
        select
          case when live then 'revealed' else 'expired' end,
          ref, ${who.client_ip}, ${null}, ${who.user_agent}, ${who.request_id},
          jsonb_build_object('age_seconds', round(extract(epoch from now() - created_at)))
        from taken
      )
      select case when live then ciphertext end as ciphertext from taken`
    return row?.ciphertext != null
  }
  const storeSecret = secretWriter(sql)
  const take = secretTaker(sql)
  const createBatched = async (): Promise<boolean> => {
    const id = randomBytes(32)
    const details = { ttl_seconds: 86_400, passphrase: false, reveal_requires_passphrase: false, size_bucket_bytes: 1152 }
    await storeSecret({
      id,
      ref: id.toString('hex').slice(0, 24),
      ciphertext,
      passphraseHash: null,
      revealRequiresPassphrase: false,
      ttlSeconds: 86_400,
      receiptId: randomBytes(32),
      clientIp: who.client_ip,
      clientIpHash: null,
      userAgent: who.user_agent,
      requestId: who.request_id,
      details
    })
    return true
  }
  const revealBatched = async (): Promise<boolean | undefined> => {
    if (next >= end) return undefined
    const by = { client_ip: who.client_ip, client_ip_hash: null, user_agent: who.user_agent, request_id: who.request_id }
    return (await take({ id: ceilingId(next++), by, gatedHash: null })) !== undefined
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
