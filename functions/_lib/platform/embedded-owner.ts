// Who runs the embedded PostgreSQL of a DATA_DIR: the live process that started it, or nobody
// any more, when that process died (kill -9, a crash) and left a postmaster or its pid file behind.
import { readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { connect, createServer, type Server } from 'node:net'
import { join } from 'node:path'
import type { EmbeddedLog } from './embedded.ts'

/**
 * The process that starts the cluster listens on an owner socket while it lives: a second process
 * on the same DATA_DIR (`npm run migrate`, another server) shares the cluster instead of stopping
 * it. The socket file a dead process left behind refuses connections, and is replaced.
 * Resolves undefined when a live process already owns the cluster.
 */
export async function claimOwnership (path: string): Promise<Server | undefined> {
  const answered = await new Promise<boolean>((resolve) => {
    const probe = connect(path)
    probe.once('connect', () => { probe.destroy(); resolve(true) })
    probe.once('error', () => { resolve(false) })
  })
  if (answered) return undefined
  rmSync(path, { force: true }) // left by a process that is gone
  const server = createServer((socket) => socket.destroy())
  const listening = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => { if (err.code === 'EADDRINUSE') resolve(false); else reject(err) })
    server.listen(path, () => { resolve(true) })
  })
  if (!listening) return undefined
  server.unref()
  return server
}

/**
 * After a crash or kill -9 of the process that started it, the postmaster may still run on the
 * data directory: stop it (this process owns what it starts). A postmaster.pid whose number is
 * unused PostgreSQL replaces by itself, but one whose number now names another process (reused
 * after a reboot, or a zombie nobody reaps) it takes for a running postmaster: once no process of
 * the old cluster is left, remove it (and the socket's lock, which holds the same number).
 */
export async function stopLeftover (pgData: string, socketLock: string, pgCtl: (...args: string[]) => Promise<void>, log: EmbeddedLog): Promise<void> {
  const pidFile = join(pgData, 'postmaster.pid')
  let pid: number
  try { pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]) } catch { return }
  if (!alive(pid)) return
  const running = processesIn(pgData)
  if (running === undefined || running.includes(pid)) {
    log.warn({ pid }, 'stopping the embedded PostgreSQL left running by a process that ended without stopping it')
    await pgCtl('stop', '-m', 'fast', '-w', '-t', '60')
    return
  }
  for (let wait = 0; processesIn(pgData)?.length !== 0; wait++) {
    if (wait === 100) throw new Error(`processes of an earlier PostgreSQL still run in ${pgData}: end them, then start again`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  for (const lock of [pidFile, socketLock]) rmSync(lock, { force: true })
}

function alive (pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try { process.kill(pid, 0) } catch (err) { return (err as NodeJS.ErrnoException).code !== 'ESRCH' }
  return true
}

/** Processes working in pgData, as a postmaster and its children do; undefined where /proc is missing. */
function processesIn (pgData: string): number[] | undefined {
  let pids: string[]
  try { pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)) } catch { return undefined }
  const target = realpathSync(pgData)
  // A zombie has no working directory, and other users' processes cannot be read: neither counts.
  return pids.filter((pid) => { try { return realpathSync(`/proc/${pid}/cwd`) === target } catch { return false } }).map(Number)
}
