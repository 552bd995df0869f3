// Starts the embedded PostgreSQL (PGlite in a worker thread) when no POSTGRES_HOST is configured.
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { Worker } from 'node:worker_threads'

export interface EmbeddedDatabase {
  readonly host: string
  readonly port: number
  readonly dataDir: string
  stop: () => Promise<void>
}

/**
 * V8's optimizing WebAssembly compiler takes ~600 MB for a single function of PostgreSQL's WASM,
 * a few seconds after start, and the process's peak memory doubles for it (ADR 11). Its baseline
 * compiler (Liftoff) costs PGlite some throughput instead. The flags are process-wide and read
 * when a module is compiled, so they must be set before the worker loads PGlite; the three are
 * given together because flags set at run time do not bring their implications along.
 */
export const EMBEDDED_WASM_FLAGS = '--liftoff-only --no-wasm-tier-up --no-wasm-dynamic-tiering'

export async function startEmbedded (dataDir: string, maxConnections: number): Promise<EmbeddedDatabase> {
  const pgDir = join(dataDir, 'pglite')
  mkdirSync(pgDir, { recursive: true, mode: 0o700 })
  setFlagsFromString(EMBEDDED_WASM_FLAGS)
  const worker = new Worker(new URL('../embedded-worker.ts', import.meta.url), {
    workerData: { dataDir: pgDir, maxConnections }
  })
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited during start-up (code ${code})`)))
    worker.once('message', (message: { type: string, port: number }) => resolve(message.port))
  })
  worker.removeAllListeners('exit')
  worker.removeAllListeners('error')
  let stopping: Promise<void> | undefined
  return {
    host: '127.0.0.1',
    port,
    dataDir: pgDir,
    stop: async () => {
      stopping ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => { void worker.terminate().then(() => resolve()) }, 10_000)
        worker.once('message', () => {
          clearTimeout(timer)
          void worker.terminate().then(() => resolve())
        })
        worker.postMessage({ type: 'stop' })
      })
      await stopping
    }
  }
}
