// Fault-test harness: Burnlink's HTTP server as a real child process (real sockets, real signals) and a request recorder.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from './private-postgres.ts'

// BURNLINK_ROOT runs another checkout's server (e.g. a snapshot of HEAD while the tree is mid-edit).
const ROOT = process.env.BURNLINK_ROOT ?? fileURLToPath(new URL('../../', import.meta.url))
const NODE = existsSync(join(ROOT, 'node_modules/.bin/node')) ? join(ROOT, 'node_modules/.bin/node') : process.execPath

export interface BurnlinkProcess {
  url: string
  pid: number
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>
  /** Everything the process wrote (last 50 kB), for assertion messages. */
  output: () => string
  signal: (name: NodeJS.Signals) => void
  /** SIGTERM, then SIGKILL after 30 s; resolves when the process is gone. */
  stop: () => Promise<void>
}

/**
 * Starts the HTTP server as `npm start` and the image do (functions/_host/run.sh serve, which
 * execs node: the pid is node's) and waits until /healthz (the process) or /readyz (the database)
 * answers 200.
 */
export async function startBurnlink (env: Record<string, string>, waitFor: 'healthz' | 'readyz' = 'readyz'): Promise<BurnlinkProcess> {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'burnlink-fault-data-'))
  const child = spawn(join(ROOT, 'functions/_host/run.sh'), ['serve'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: `${dirname(NODE)}:${process.env.PATH ?? ''}`,
      HOME: process.env.HOME ?? '/tmp',
      ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      RUN_WORKER: 'false',
      // The load here comes from one IP: per-IP rate limits and the storage quota would answer 429
      // instead of the fault.
      STORAGE_QUOTA_BYTES_PER_CLIENT: '0',
      RATE_LIMIT_CREATE_PER_MINUTE: '0',
      RATE_LIMIT_READ_PER_MINUTE: '0',
      RATE_LIMIT_DELETE_PER_MINUTE: '0',
      DATA_DIR: dataDir,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1'
    }
  })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-50_000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exited = (async () => {
    const [code] = await once(child, 'exit') as [number | null]
    rmSync(dataDir, { recursive: true, force: true })
    return code
  })()
  const url = `http://127.0.0.1:${port}`
  const server: BurnlinkProcess = {
    url,
    pid: child.pid as number,
    exited,
    output: () => output,
    signal: (name) => { child.kill(name) },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      await exited
      clearTimeout(timer)
    }
  }
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`burnlink exited with ${child.exitCode}: ${output}`)
    const res = await fetch(`${url}/${waitFor}`).catch(() => undefined)
    if (res?.status === 200) return server
    if (Date.now() > deadline) {
      await server.stop()
      throw new Error(`burnlink not answering /${waitFor} after 60 s: ${output}`)
    }
    await sleep(100)
  }
}

export const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

export interface Outcome {
  op: string
  startedAt: number
  ms: number
  /** 0 when no HTTP response arrived (connection refused, reset, cut off). */
  status: number
  code?: string
  retryAfter?: string | null
  body?: Record<string, unknown>
  error?: string
}

/** Sends one request and records what came back, however it failed. */
export async function send (outcomes: Outcome[], op: string, url: string, init: RequestInit = {}): Promise<Outcome> {
  const startedAt = Date.now()
  let outcome: Outcome
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) })
    const body = await res.json() as Record<string, unknown>
    outcome = { op, startedAt, ms: Date.now() - startedAt, status: res.status, body, retryAfter: res.headers.get('retry-after'), ...(typeof body.code === 'string' ? { code: body.code } : {}) }
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    outcome = { op, startedAt, ms: Date.now() - startedAt, status: 0, error: cause?.code ?? (err as Error).message }
  }
  outcomes.push(outcome)
  return outcome
}

export const postJson = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

/** A short histogram of outcomes for assertion messages and the test log: "create 201×40, read 503/SERVICE_DATABASE_UNAVAILABLE×3". */
export function describeOutcomes (outcomes: readonly Outcome[]): string {
  const counts = new Map<string, number>()
  for (const o of outcomes) {
    const label = `${o.op} ${o.status === 0 ? `no-response/${o.error ?? '?'}` : o.status}${o.code === undefined || o.status < 300 ? '' : `/${o.code}`}`
    counts.set(label, (counts.get(label) ?? 0) + 1)
  }
  return [...counts].sort().map(([label, n]) => `${label}×${n}`).join(', ')
}
