// Stalled uploads on a real socket: they hold no place in the database gate and are cut off;
// a file upload has no such deadline, only its own stall timeout.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { connect, type Socket } from 'node:net'
import { Readable } from 'node:stream'
import { once } from 'node:events'
import { test } from 'node:test'
import { download, listen, upload } from './file-http.ts'
import { onCleanup, startTestApp } from './helper.ts'

const STALLED = 70

test('70 stalled uploads with a pool of 1 leave creates and reveals working, and are cut off after the request timeout', { timeout: 120_000 }, async (t) => {
  const { app } = await startTestApp(t, {
    env: { POSTGRES_POOL_SIZE: '1', HTTP_REQUEST_TIMEOUT_SECONDS: '3', HTTP_HEADERS_TIMEOUT_SECONDS: '3', RATE_LIMIT_CREATE_PER_MINUTE: '0' }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  assert.ok(address !== null && typeof address === 'object')
  const base = `http://127.0.0.1:${address.port}`

  // Count the stalled requests as the server dispatches them: only then can they hold a gate slot.
  let dispatched = 0
  const allDispatched = new Promise<void>((resolve) => {
    app.server.on('request', () => { if (++dispatched === STALLED) resolve() })
  })
  const sockets: Socket[] = []
  // Before the app closes: a stalled socket would hold its close() open.
  onCleanup(t, () => { for (const socket of sockets) socket.destroy() })
  const answers: string[] = []
  const closed = Array.from({ length: STALLED }, async (_, i) => {
    const socket = connect(address.port, '127.0.0.1')
    sockets.push(socket)
    answers[i] = ''
    socket.on('data', (chunk: Buffer) => { answers[i] += chunk.toString('latin1') })
    socket.on('error', () => {})
    await once(socket, 'connect')
    // Headers in full, then 4 bytes of a 1,000-byte body, and nothing more.
    socket.write('POST /secret HTTP/1.1\r\nhost: burnlink\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"se')
    await once(socket, 'close')
  })
  await allDispatched

  const created = await fetch(`${base}/secret`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ secret: 'through' }) })
  assert.equal(created.status, 201, await created.clone().text())
  const { secret_key: key } = await created.json() as { secret_key: string }
  const revealed = await fetch(`${base}/secret/${key}`)
  assert.equal(revealed.status, 200)
  assert.deepEqual(await revealed.json(), { secret: 'through' })
  assert.equal(sockets.filter((s) => s.closed).length, 0, 'the stalled uploads were still open meanwhile')

  // The server, not the client, ends them: the request timeout answers 408 and closes.
  await Promise.all(closed)
  for (const answer of answers) assert.ok(answer === '' || answer.startsWith('HTTP/1.1 408'), answer.slice(0, 40))
})

test('a file upload that trickles on for longer than HTTP_REQUEST_TIMEOUT_SECONDS is stored, while a stalled JSON body is still cut off with 408', { timeout: 60_000 }, async (t) => {
  const { app } = await startTestApp(t, { env: { HTTP_REQUEST_TIMEOUT_SECONDS: '1', HTTP_HEADERS_TIMEOUT_SECONDS: '1', RATE_LIMIT_CREATE_PER_MINUTE: '0' } })
  const origin = await listen(app)
  const sockets: Socket[] = []
  onCleanup(t, () => { for (const socket of sockets) socket.destroy() })

  // The file goes a piece at a time; its last piece waits until a JSON request that stalled after
  // the file's began has been cut off, so the upload outlasts the JSON deadline whatever the pace.
  const piece = 16 * 1024
  const size = 64 * piece
  let sent = 0
  let stalledClosed: () => void = () => {}
  const cutOff = new Promise<void>((resolve) => { stalledClosed = resolve })
  const file = new Readable({
    read () {
      if (sent === size) { this.push(null); return }
      const wait = sent === size - piece ? cutOff : new Promise((resolve) => setTimeout(resolve, 20))
      void wait.then(() => { sent += piece; this.push(randomBytes(piece)) })
    }
  })
  const fileArrived = once(app.server, 'request')
  const stored = upload(origin, file, size)
  await fileArrived

  const stalled = connect(Number(new URL(origin).port), '127.0.0.1')
  sockets.push(stalled)
  let answer = ''
  stalled.on('data', (chunk: Buffer) => { answer += chunk.toString('latin1') })
  stalled.on('error', () => {})
  stalled.on('close', () => { stalledClosed() })
  await once(stalled, 'connect')
  stalled.write('POST /secret HTTP/1.1\r\nhost: burnlink\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"se')
  await cutOff
  assert.ok(answer.startsWith('HTTP/1.1 408'), answer.slice(0, 40))

  const reply = await stored
  assert.equal(reply.status, 201, reply.body)
  const { secret_key: key } = JSON.parse(reply.body) as { secret_key: string }
  assert.equal((await download(origin, key)).length, size)
})
