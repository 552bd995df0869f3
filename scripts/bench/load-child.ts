// The load generator: a separate process running autocannon, driven by the bench over IPC.
// A warm-up instance runs first and is discarded; then one measured instance reports.
import { readFileSync, writeFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { runPaced, type PacedRequest } from './paced.ts'
import { summarizeLatency, type LatencySummary } from './stats.ts'

export type WorkloadName = 'bare' | 'create' | 'create-passphrase' | 'reveal' | 'pairs' | 'gated-pairs' | 'delete' | 'mixed'

export interface Phase { seconds?: number, amount?: number }

export interface LoadSpec {
  url: string
  workload: WorkloadName
  connections: number
  warmup: Phase
  measure: Phase
  /** Overall requests per second, sent on an even schedule (paced.ts); unset = as fast as the server answers. */
  rate?: number
  keysFile?: string
  /** Write the secret_key of every successful create here (seeding through the API). */
  collectKeysFile?: string
}

export interface LoadResult {
  workload: WorkloadName
  seconds: number
  requests: number
  ok: number
  /** Responses by status code, including 2xx. */
  statuses: Record<string, number>
  errors: number
  timeouts: number
  okPerSecond: number
  latencyMs: LatencySummary
  keysUsed: number
}

export type ChildMessage = { type: 'measuring' } | { type: 'result', result: LoadResult } | { type: 'failed', message: string }
export type ParentMessage = { type: 'run', spec: LoadSpec } | { type: 'stop' }

/** 1 KiB of text, the reference secret. */
export const SECRET_1KIB = 'x'.repeat(1024)
const PASSPHRASE = 'correct horse battery staple'
// Well-formed but never issued: what a reveal sends once the pre-created keys run out (a 404).
const EXHAUSTED_KEY = 'A'.repeat(43)

type Request = autocannon.Request
type Context = Record<string, unknown>

function requestsFor (spec: LoadSpec, nextKey: () => string, collect: ((key: string) => void) | undefined): Request[] {
  const json = { 'content-type': 'application/json' }
  const create = (passphrase: boolean): Request => ({
    method: 'POST',
    path: '/secret',
    headers: json,
    body: JSON.stringify(passphrase ? { secret: SECRET_1KIB, passphrase: PASSPHRASE } : { secret: SECRET_1KIB }),
    ...(collect === undefined
      ? {}
      : { onResponse: (status: number, body: string) => { if (status === 201) collect((JSON.parse(body) as { secret_key: string }).secret_key) } })
  })
  // Each connection reveals the key it just created: what a pair measures beyond one request.
  const pair = (first: Request, passphrase?: string): Request[] => [
    {
      ...first,
      onResponse: (status: number, body: string, context: object) => {
        (context as Context).key = status === 201 ? (JSON.parse(body) as { secret_key: string }).secret_key : EXHAUSTED_KEY
      }
    },
    { method: 'GET', path: '/secret/', ...(passphrase === undefined ? {} : { headers: { 'x-passphrase': passphrase } }), setupRequest: (req: Request, context: object) => ({ ...req, path: `/secret/${String((context as Context).key)}` }) }
  ]
  const reveal = (): Request => ({ method: 'GET', path: '/secret/', setupRequest: (req: Request) => ({ ...req, path: `/secret/${nextKey()}` }) })
  const remove = (): Request => ({ method: 'DELETE', path: '/secret/', setupRequest: (req: Request) => ({ ...req, path: `/secret/${nextKey()}` }) })
  switch (spec.workload) {
    case 'bare': return [{ method: 'GET', path: '/' }]
    case 'create': return [create(false)]
    case 'create-passphrase': return [create(true)]
    case 'reveal': return [reveal()]
    case 'delete': return [remove()]
    case 'pairs': return pair(create(false))
    // Secrets that need their passphrase to be read: Argon2id on both sides of the pair.
    case 'gated-pairs': return pair({ ...create(false), body: JSON.stringify({ secret: SECRET_1KIB, passphrase: PASSPHRASE, reveal_requires_passphrase: true }) }, PASSPHRASE)
    case 'mixed': {
      // 20 requests per cycle: 10 creates, 9 reveals, 1 delete (50/45/5), interleaved.
      const cycle: Request[] = []
      for (let i = 0; i < 9; i++) cycle.push(create(false), reveal())
      cycle.push(create(false), remove())
      return cycle
    }
  }
}

let current: autocannon.Instance | undefined
let stopRequested = false

interface PhaseOutcome {
  statuses: Record<string, number>
  latencies: Float64Array
  errors: number
  timeouts: number
  /** From the start of the phase to its last response. */
  seconds: number
}

// autocannon notices that a run is over on its one-second tick, so its callback comes up to a
// second after the last response: a window timed around the callback would count that idle tail.
async function runPhase (spec: LoadSpec, phase: Phase, requests: Request[]): Promise<PhaseOutcome> {
  let latencies = new Float64Array(1 << 16)
  let count = 0
  let lastResponse = 0
  const options: autocannon.Options = {
    url: spec.url,
    connections: Math.min(spec.connections, phase.amount ?? Number.MAX_SAFE_INTEGER),
    requests,
    ...(phase.amount === undefined ? { duration: phase.seconds ?? 10 } : { amount: phase.amount }),
    timeout: 30
  }
  let instance: autocannon.Instance | undefined
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(options, (err, result) => { if (err !== null && err !== undefined) reject(err instanceof Error ? err : new Error(String(err))); else resolve(result) })
  })
  if (instance === undefined) throw new Error('autocannon did not start')
  current = instance
  const started = performance.now()
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    lastResponse = performance.now()
    if (statusCode < 200 || statusCode > 299) return
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2)
      grown.set(latencies)
      latencies = grown
    }
    latencies[count++] = responseTime
  })
  const result = await finished
  current = undefined
  const statuses: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statuses[code] = (stat as { count: number }).count
  return { statuses, latencies: latencies.subarray(0, count), errors: result.errors, timeouts: result.timeouts, seconds: ((lastResponse === 0 ? performance.now() : lastResponse) - started) / 1000 }
}

function pacedRequest (spec: LoadSpec, nextKey: () => string): () => PacedRequest {
  switch (spec.workload) {
    case 'create': return () => ({ method: 'POST', path: '/secret', body: JSON.stringify({ secret: SECRET_1KIB }) })
    case 'create-passphrase': return () => ({ method: 'POST', path: '/secret', body: JSON.stringify({ secret: SECRET_1KIB, passphrase: PASSPHRASE }) })
    case 'reveal': return () => ({ method: 'GET', path: `/secret/${nextKey()}` })
    case 'delete': return () => ({ method: 'DELETE', path: `/secret/${nextKey()}` })
    default: throw new Error(`no fixed-rate form of the ${spec.workload} workload`)
  }
}

async function runAnyPhase (spec: LoadSpec, phase: Phase, requests: Request[], nextKey: () => string): Promise<PhaseOutcome> {
  if (spec.rate === undefined) return await runPhase(spec, phase, requests)
  return await runPaced(spec.url, spec.rate, spec.connections, phase, pacedRequest(spec, nextKey), () => stopRequested)
}

async function run (spec: LoadSpec): Promise<LoadResult> {
  const keys = spec.keysFile === undefined ? [] : readFileSync(spec.keysFile, 'utf8').split('\n').filter((k) => k !== '')
  let cursor = 0
  const nextKey = (): string => cursor < keys.length ? keys[cursor++] as string : EXHAUSTED_KEY
  const collected: string[] = []
  const collect = spec.collectKeysFile === undefined ? undefined : (key: string) => { collected.push(key) }
  const requests = requestsFor(spec, nextKey, collect)
  if ((spec.warmup.seconds ?? 0) > 0 || (spec.warmup.amount ?? 0) > 0) {
    const warm = await runAnyPhase(spec, spec.warmup, requests, nextKey)
    // Stopping the warm-up abandons its in-flight requests, which the server still finishes: let
    // that backlog drain before measuring (it matters for slow requests such as Argon2 hashing).
    const p99 = summarizeLatency(warm.latencies).p99
    await new Promise((resolve) => setTimeout(resolve, Math.min(5000, Math.max(200, Number.isFinite(p99) ? p99 * 1.5 : 1000))))
  }
  const keysBefore = cursor
  process.send?.({ type: 'measuring' } satisfies ChildMessage)
  const measured = stopRequested ? undefined : await runAnyPhase(spec, spec.measure, requests, nextKey)
  const { statuses, latencies, seconds } = measured ?? { statuses: {}, latencies: new Float64Array(0), seconds: 0 }
  if (spec.collectKeysFile !== undefined) writeFileSync(spec.collectKeysFile, collected.join('\n') + '\n')
  const ok = Object.entries(statuses).filter(([code]) => code.startsWith('2')).reduce((sum, [, n]) => sum + n, 0)
  return {
    workload: spec.workload,
    seconds,
    requests: Object.values(statuses).reduce((a, b) => a + b, 0),
    ok,
    statuses,
    errors: measured?.errors ?? 0,
    timeouts: measured?.timeouts ?? 0,
    okPerSecond: ok / seconds,
    latencyMs: summarizeLatency(latencies),
    keysUsed: cursor - keysBefore
  }
}

process.on('message', (message: ParentMessage) => {
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
