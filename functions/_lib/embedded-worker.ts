// Worker thread: hosts PGlite (single-threaded WASM) behind a PostgreSQL wire-protocol socket,
// so its CPU-heavy work never blocks the HTTP event loop.
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'

interface Options { dataDir: string, maxConnections: number }
const options = workerData as Options
if (parentPort === null) throw new Error('embedded-worker.ts must run as a worker thread')
const port = parentPort

// PostgreSQL's shared buffers live in PGlite's WASM memory, which never shrinks: its default of
// 128 MB became ~120 MB more resident memory once the buffers had filled. 32 MB showed no
// throughput difference beyond the machine's noise (ADR 11, amendment).
const SHARED_BUFFERS = '32MB'
const db = await PGlite.create(options.dataDir, { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`] })
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: options.maxConnections })
await server.start()
// getServerConn() answers "host:port" once listening on an OS-assigned port.
port.postMessage({ type: 'ready', port: Number(server.getServerConn().split(':').pop()) })

port.on('message', (message: { type: string }) => {
  if (message.type !== 'stop') return
  // Close clients first, then the database, so PGlite flushes its files before the thread ends.
  void server.stop()
    .then(async () => await db.close())
    .then(() => port.postMessage({ type: 'stopped' }))
})
