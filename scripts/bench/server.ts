// Starts the server under test (or the bare Fastify route, or npm start) as a child process on a
// free port, and stops it.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { descendants } from './pss.ts'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/**
 * The node flags of functions/_host/run.sh, through which npm start and the image start every
 * Burnlink process (the bench starts the server the same way); the bare route gets them too.
 */
export const SERVER_NODE_ARGS: readonly string[] = /^exec node ((?:--\S+ )*)/m.exec(readFileSync(join(ROOT, 'functions/_host/run.sh'), 'utf8'))?.[1]?.trim().split(' ') ?? []

export interface RunningServer {
  pid: number
  url: string
  /** What the process wrote last (LOG_LEVEL=warn: warnings and errors). */
  output: () => string
  /** Undefined while it runs; once it has exited, how, with its last output. */
  exitReport: () => string | undefined
  /** SIGTERM to `pid` (by default the process started), SIGKILL after 40 s; resolves once it exited. */
  stop: (pid?: number) => Promise<void>
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

/**
 * Spawns a server listening on PORT and waits for /readyz to answer 200 (the database answers and
 * is migrated). On failure, the process and everything it started are killed.
 */
export async function launch (command: string, args: readonly string[], env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort()
  // node_modules/.bin's node first, as npm scripts have it.
  const child = spawn(command, args, { cwd: ROOT, env: { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-20_000) }
  child.stdout.on('data', keep)
  child.stderr.on('data', keep)
  const exitReport = (): string | undefined => child.exitCode === null && child.signalCode === null
    ? undefined
    : `${command} (pid ${child.pid ?? '?'}) exited with ${child.signalCode ?? `code ${child.exitCode ?? '?'}`}; its last output:\n${output}`
  const url = `http://127.0.0.1:${port}`
  try {
    const deadline = Date.now() + 120_000
    while (!await fetch(`${url}/readyz`).then((res) => res.ok, () => false)) {
      const exited = exitReport()
      if (exited !== undefined) throw new Error(exited)
      if (Date.now() > deadline) throw new Error(`not ready after 120 s: ${output}`)
      await sleep(50)
    }
  } catch (err) {
    for (const pid of descendants([child.pid as number]).reverse()) { try { process.kill(pid, 'SIGKILL') } catch {} }
    throw err
  }
  const stop = async (pid = child.pid as number): Promise<void> => {
    if (exitReport() !== undefined) return
    const exited = once(child, 'exit')
    process.kill(pid, 'SIGTERM')
    const timer = setTimeout(() => { for (const p of [pid, child.pid as number]) { try { process.kill(p, 'SIGKILL') } catch {} } }, 40_000)
    await exited
    clearTimeout(timer)
  }
  return { pid: child.pid as number, url, output: () => output, exitReport, stop }
}

/** Burnlink as npm start starts it (functions/_host/run.sh, which execs node), or the bare route. */
export async function startServer (options: { env: Record<string, string>, bare?: boolean }): Promise<RunningServer> {
  return options.bare === true
    ? await launch(process.execPath, [...SERVER_NODE_ARGS, fileURLToPath(new URL('./bare-server.ts', import.meta.url))], options.env)
    : await launch(join(ROOT, 'functions/_host/run.sh'), ['serve'], options.env)
}
