// Starts the server under test (or the bare Fastify baseline) as a child process on a free port.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface RunningServer {
  pid: number
  url: string
  /** Output the server wrote (warnings and errors only, LOG_LEVEL=warn). */
  output: () => string
  /** Undefined while the server runs; once it has exited, how and with what last output. */
  exitReport: () => string | undefined
  stop: () => Promise<void>
}

export async function freePort (): Promise<number> {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const address = probe.address()
  probe.close()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export interface ServerOptions {
  /** Environment on top of the bench's (POSTGRES_*, DATA_DIR, ENCRYPTION_KEY, …). */
  env: Record<string, string>
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[]
  /** Replaces SERVER_NODE_ARGS (the young-generation phase compares settings). */
  runtimeArgs?: readonly string[]
  /** Start the bare Fastify baseline instead of Burnlink. */
  bare?: boolean
  readyTimeoutMs?: number
}

/**
 * How the server runs in production (package.json's start script, the Dockerfile's NODE_OPTIONS
 * and NODE_COMPILE_CACHE), so the bench measures the process users get. test/runtime.test.ts
 * keeps the three in step.
 */
export const SERVER_NODE_ARGS = ['--max-semi-space-size=8'] as const
const COMPILE_CACHE = join(ROOT, 'node_modules', '.cache', 'node-compile')

export async function startServer (options: ServerOptions): Promise<RunningServer> {
  const port = await freePort()
  const entry = options.bare === true ? fileURLToPath(new URL('./bare-server.ts', import.meta.url)) : 'functions/_host/serve.ts'
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', NODE_COMPILE_CACHE: COMPILE_CACHE, ...options.env, PORT: String(port), HOST: '127.0.0.1' }
  const child = spawn(process.execPath, [...(options.runtimeArgs ?? SERVER_NODE_ARGS), ...(options.nodeArgs ?? []), entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-20_000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const url = `http://127.0.0.1:${port}`
  await waitReady(child, url, options.readyTimeoutMs ?? 120_000, () => output)
  return {
    pid: child.pid as number,
    url,
    output: () => output,
    exitReport: () => child.exitCode === null && child.signalCode === null
      ? undefined
      : `server (pid ${child.pid ?? '?'}) exited with ${child.signalCode ?? `code ${child.exitCode ?? '?'}`}; its last output:\n${output}`,
    stop: async () => {
      if (child.exitCode !== null) return
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000)
      await exited
      clearTimeout(timer)
    }
  }
}

async function waitReady (child: ChildProcess, url: string, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${output()}`)
    try {
      const res = await fetch(`${url}/readyz`)
      if (res.ok) return
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  child.kill('SIGKILL')
  throw new Error(`server not ready after ${timeoutMs} ms: ${output()}`)
}
