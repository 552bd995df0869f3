// Fault-test harness: a private PostgreSQL (initdb + pg_ctl, as the postgres OS user) to stop, crash and restart at will.
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, chownSync } from 'node:fs'
import { createServer } from 'node:net'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'

const run = promisify(execFile)
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'

/**
 * Why the fault tests cannot run here, or false. They run once per CI build: only in the pass with
 * POSTGRES_HOST set (they never use that server; their own cluster is the point), as root, so that
 * they can act as the postgres OS user, which initdb requires.
 */
export function faultTestSkipReason (): string | false {
  if (process.env.POSTGRES_HOST === undefined || process.env.POSTGRES_HOST === '') {
    return 'fault tests run once, in the real-PostgreSQL pass: set POSTGRES_HOST (they start a private PostgreSQL of their own)'
  }
  if (process.getuid?.() !== 0) return 'fault tests need root to run initdb and pg_ctl as the postgres OS user'
  if (!existsSync(join(PG_BIN, 'initdb')) || !existsSync(join(PG_BIN, 'pg_ctl'))) return `fault tests need the PostgreSQL server binaries in ${PG_BIN} (PG_BIN)`
  return false
}

export async function freePort (): Promise<number> {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const address = probe.address()
  probe.close()
  await once(probe, 'close')
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

export interface PrivatePostgres {
  port: number
  /** Environment pointing Burnlink at database `burnlink` of this cluster. */
  env: Record<string, string>
  start: () => Promise<void>
  /** pg_ctl stop: 'fast' rolls back sessions cleanly, 'immediate' is a crash (recovery on start). */
  stop: (mode: 'fast' | 'immediate') => Promise<void>
  /** A connection of the test's own (max 1), for checks and for holding locks. */
  connect: (database?: string) => postgres.Sql
  /** The server log, for assertion messages. */
  log: () => string
  /** Stops the cluster (immediately) and removes its files. */
  destroy: () => Promise<void>
}

/** initdb a new cluster on a spare port; started (with database `burnlink`) unless start: false. */
export async function createPrivatePostgres (options: { start?: boolean } = {}): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-fault-pg-'))
  const owner = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const group = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  chownSync(dir, owner, group)
  const data = join(dir, 'data')
  const logFile = join(dir, 'server.log')
  const asPostgres = async (command: string, args: string[]): Promise<void> => {
    await run('runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args], { timeout: 60_000 })
  }
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'])
  const port = await freePort()
  // The socket lives in the cluster's own directory; fsync=off: these tests crash the server
  // process, not the machine, so the OS page cache keeps every acknowledged commit anyway.
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`
  let running = false
  const start = async (): Promise<void> => {
    await asPostgres('pg_ctl', ['-D', data, '-l', logFile, '-o', serverOptions, '-w', '-t', '60', 'start'])
    running = true
  }
  const stop = async (mode: 'fast' | 'immediate'): Promise<void> => {
    await asPostgres('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'])
    running = false
  }
  const connect = (database = 'burnlink'): postgres.Sql => postgres({ host: '127.0.0.1', port, username: 'postgres', database, max: 1, onnotice: () => {}, connect_timeout: 5 })
  const pg: PrivatePostgres = {
    port,
    env: { POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: String(port), POSTGRES_USER: 'postgres', POSTGRES_DB: 'burnlink' },
    start,
    stop,
    connect,
    log: () => { try { return readFileSync(logFile, 'utf8').slice(-4000) } catch { return '' } },
    destroy: async () => {
      if (running) await stop('immediate').catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    }
  }
  // Should the test process die before its after() hooks run, the cluster must not outlive it.
  process.once('exit', () => {
    if (running) try { execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'], { stdio: 'ignore' }) } catch {}
  })
  if (options.start !== false) {
    await start()
    await createDatabase(pg)
  }
  return pg
}

export async function createDatabase (pg: PrivatePostgres): Promise<void> {
  const admin = pg.connect('postgres')
  await admin.unsafe('create database burnlink')
  await admin.end()
}
