// The load generator, in a process of its own so that it never shares the server's event loop:
// HTTP through autocannon (saturation) or paced.ts (a fixed rate), or the database ceiling, the
// store's own statements through postgres.js with no HTTP. Driven over IPC: a discarded warm-up,
// then the measured window.
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, writeFileSync } from 'node:fs'
import autocannon from 'autocannon'
import postgres from 'postgres'
import { insertSecret, takeSecret, type AuditedBy } from '../../functions/_lib/secrets/store.ts'
import { runPaced, type Outcome, type PacedRequest } from './paced.ts'
import { waitIdle } from './proc.ts'
import { summarizeLatency, type LatencySummary } from './stats.ts'

/** create-gated: secrets whose reveal (reveal-gated) must present their passphrase. */
export type WorkloadName = 'bare' | 'create' | 'create-gated' | 'reveal' | 'reveal-gated' | 'mixed'

/** So many seconds, or so many requests (workloads that use up keys). */
export interface Window { seconds?: number, amount?: number }

export interface LoadSpec {
  url: string
  workload: WorkloadName
  connections: number
  warmup: Window
  measure: Window
  /** Requests per second on an even schedule; unset = as fast as the server answers. */
  rate?: number
  /** Keys for reveals and deletes, one per line, each used once; collectKeysFile gets those creates return. */
  keysFile?: string
  collectKeysFile?: string
  /** The server, whose backlog from the warm-up drains before the measured window opens. */
  serverPid?: number
}

/** The ceiling: `connections` callers share a pool of `poolSize`, as the server's requests do. */
export interface CeilingSpec {
  database: { host: string, port: number, user: string, database: string }
  statement: 'create' | 'reveal'
  connections: number
  poolSize: number
  warmup: { seconds: number }
  measure: { seconds: number }
  /** Reveal: rows with id sha256(int8send(n)) exist for n in [0, idCount). */
  idCount: number
  ciphertextBytes: number
}

/** `statuses` counts every response, 2xx included; `errors` and `timeouts` are requests without one. */
export interface LoadResult { seconds: number, requests: number, ok: number, statuses: Record<string, number>, errors: number, timeouts: number, okPerSecond: number, latencyMs: LatencySummary }

export type ChildMessage = { type: 'measuring' } | { type: 'result', result: LoadResult } | { type: 'failed', message: string }

/** 1 KiB of text, the reference secret. */
export const SECRET_1KIB = 'x'.repeat(1024)
const PASSPHRASE = 'correct horse battery staple'
// Well-formed but never issued: what a reveal sends once its keys run out (a 404, counted).
const EXHAUSTED_KEY = 'A'.repeat(43)

type Request = autocannon.Request
/** A request of a workload; a keyed one goes to /secret/<the next unused key>. */
interface Template { method: 'GET' | 'POST' | 'DELETE', path?: string, keyed?: true, body?: string, headers?: Record<string, string> }

function templates (workload: WorkloadName): Template[] {
  const create: Template = { method: 'POST', path: '/secret', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: SECRET_1KIB }) }
  const reveal: Template = { method: 'GET', keyed: true }
  switch (workload) {
    case 'bare': return [{ method: 'GET', path: '/' }]
    case 'create': return [create]
    case 'create-gated': return [{ ...create, body: JSON.stringify({ secret: SECRET_1KIB, passphrase: PASSPHRASE, reveal_requires_passphrase: true }) }]
    case 'reveal': return [reveal]
    case 'reveal-gated': return [{ ...reveal, headers: { 'x-passphrase': PASSPHRASE } }]
    // 20 requests per cycle: 10 creates, 9 reveals, 1 delete (50/45/5), interleaved.
    case 'mixed': return [...Array.from({ length: 9 }, () => [create, reveal]).flat(), create, { method: 'DELETE', keyed: true }]
  }
}

let current: autocannon.Instance | undefined
let stopRequested = false

// autocannon notices that a run is over on its one-second tick: the window ends at the last
// response instead, or it would count up to a second of idle tail.
async function saturate (url: string, connections: number, window: Window, requests: Request[]): Promise<Outcome> {
  const latencies: number[] = []
  let lastResponse = 0
  let instance: autocannon.Instance | undefined
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon({ url, connections: Math.min(connections, window.amount ?? connections), requests, timeout: 30, ...(window.amount === undefined ? { duration: window.seconds ?? 10 } : { amount: window.amount }) },
      (err, result) => { if (err !== null && err !== undefined) reject(err instanceof Error ? err : new Error(String(err))); else resolve(result) })
  })
  if (instance === undefined) throw new Error('autocannon did not start')
  current = instance
  const started = performance.now()
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    lastResponse = performance.now()
    if (status >= 200 && status < 300) latencies.push(ms)
  })
  const result = await finished
  const statuses: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (stat as { count: number }).count
  return { statuses, latencies: Float64Array.from(latencies), errors: result.errors, timeouts: result.timeouts, seconds: ((lastResponse || performance.now()) - started) / 1000 }
}

function http (spec: LoadSpec): (w: Window) => Promise<Outcome> {
  const keys = spec.keysFile === undefined ? [] : readFileSync(spec.keysFile, 'utf8').split('\n').filter((k) => k !== '')
  let cursor = 0
  const nextKey = (): string => keys[cursor++] ?? EXHAUSTED_KEY
  const list = templates(spec.workload)
  const concrete = (t: Template, key = nextKey): PacedRequest => ({ method: t.method, path: t.keyed === true ? `/secret/${key()}` : t.path ?? '/', ...(t.body === undefined ? {} : { body: t.body }), ...(t.headers === undefined ? {} : { headers: t.headers }) })
  const collected: string[] = []
  const collect = (status: number, body: string): void => { if (status === 201) collected.push((JSON.parse(body) as { secret_key: string }).secret_key) }
  const requests: Request[] = list.map((t) => ({
    ...concrete(t, () => EXHAUSTED_KEY),
    method: t.method,
    ...(t.keyed === true ? { setupRequest: (req: Request) => ({ ...req, path: `/secret/${nextKey()}` }) } : {}),
    ...(spec.collectKeysFile !== undefined && t.method === 'POST' ? { onResponse: collect } : {})
  }))
  let sent = 0
  return async (w) => {
    const outcome = spec.rate === undefined
      ? await saturate(spec.url, spec.connections, w, requests)
      : await runPaced(spec.url, spec.rate, spec.connections, w, () => concrete(list[sent++ % list.length] as Template), () => stopRequested)
    if (spec.collectKeysFile !== undefined) writeFileSync(spec.collectKeysFile, collected.join('\n') + '\n')
    return outcome
  }
}

function ceiling (spec: CeilingSpec): (w: Window) => Promise<Outcome> {
  // The pool stays open until the process exits: the bench reads the backends' CPU time as the
  // result arrives, and closing first would end them before that.
  const sql = postgres({ ...spec.database, max: spec.poolSize, onnotice: () => {}, connection: { application_name: 'burnlink-ceiling' } })
  const ciphertext = randomBytes(spec.ciphertextBytes)
  const by: AuditedBy = { client_ip: '127.0.0.1', client_ip_hash: null, user_agent: 'burnlink-bench', request_id: 'req-1' }
  const details = { ttl_seconds: 86_400, passphrase: false, reveal_requires_passphrase: false, size_bucket_bytes: 1152 }
  let next = 0
  const idOf = (n: number): Buffer => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return createHash('sha256').update(b).digest() }
  // True on success, false on a miss, undefined once the seeded rows are used up.
  // No storage quota, as the bench's server runs (UNLIMITED): all the load is one client.
  const operation = spec.statement === 'create'
    ? async (): Promise<boolean> => {
      const id = randomBytes(32)
      await insertSecret(sql, { id, ref: id.toString('hex').slice(0, 24), ciphertext, passphraseHash: null, revealRequiresPassphrase: false, ttlSeconds: 86_400, receiptId: randomBytes(32), by, accountId: null, details, quota: null })
      return true
    }
    : async (): Promise<boolean | undefined> => next < spec.idCount ? (await takeSecret(sql, { id: idOf(next++), by, gatedHash: null })) !== undefined : undefined
  return async (w) => {
    const started = performance.now()
    const deadline = started + (w.seconds ?? 10) * 1000
    const latencies: number[] = []
    let missed = 0
    await Promise.all(Array.from({ length: spec.connections }, async () => {
      while (performance.now() < deadline) {
        const t0 = performance.now()
        const success = await operation()
        if (success === undefined) return
        if (success) latencies.push(performance.now() - t0)
        else missed++
      }
    }))
    return { statuses: { 200: latencies.length, ...(missed > 0 ? { 404: missed } : {}) }, latencies: Float64Array.from(latencies), errors: 0, timeouts: 0, seconds: (performance.now() - started) / 1000 }
  }
}

async function run (spec: LoadSpec | CeilingSpec): Promise<LoadResult> {
  const window = 'workload' in spec ? http(spec) : ceiling(spec)
  const warmup: Window = spec.warmup
  if ((warmup.seconds ?? 0) > 0 || (warmup.amount ?? 0) > 0) {
    await window(warmup)
    // Requests the warm-up abandoned still run on the server (Argon2id hashes queue for long).
    if ('serverPid' in spec && spec.serverPid !== undefined) await waitIdle(spec.serverPid)
  }
  process.send?.({ type: 'measuring' } satisfies ChildMessage)
  const m = stopRequested ? { statuses: {}, latencies: new Float64Array(0), errors: 0, timeouts: 0, seconds: 0 } : await window(spec.measure)
  const ok = Object.entries(m.statuses).filter(([code]) => code.startsWith('2')).reduce((sum, [, n]) => sum + n, 0)
  const requests = Object.values(m.statuses).reduce((a, b) => a + b, 0)
  return { seconds: m.seconds, requests, ok, statuses: m.statuses, errors: m.errors, timeouts: m.timeouts, okPerSecond: ok / m.seconds, latencyMs: summarizeLatency(m.latencies) }
}

process.on('message', (message: { type: 'run', spec: LoadSpec | CeilingSpec } | { type: 'stop' }) => {
  if (message.type === 'stop') {
    stopRequested = true
    current?.stop()
    return
  }
  run(message.spec).then(
    (result) => { process.send?.({ type: 'result', result } satisfies ChildMessage, () => process.exit(0)) },
    (err: unknown) => { process.send?.({ type: 'failed', message: String((err as Error).stack ?? err) } satisfies ChildMessage, () => process.exit(1)) }
  )
})
