// The database gate (functions/_host/database-gate.ts) over real sockets: clients that hang up
// mid-request must not use up its places.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startTestApp } from './helper.ts'

const POOL_SIZE = 1
const GATE = POOL_SIZE * 64 // functions/_host/build.ts: poolSize * 64 requests may wait on the database

function passphraseCreate (i: number): string {
  const body = JSON.stringify({ secret: `abandoned ${i}`, passphrase: 'hung up' })
  return `POST /secret HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
}

test('requests whose clients hang up while the handler runs leave the gate when their answer is ready', { timeout: 60_000 }, async (t) => {
  const { app } = await startTestApp(t, {
    // One hash at a time keeps every abandoned request in its handler when its client leaves.
    env: { POSTGRES_POOL_SIZE: String(POOL_SIZE), PASSPHRASE_HASH_CONCURRENCY: '1', RATE_LIMIT_CREATE_PER_MINUTE: '0' }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  assert.ok(address !== null && typeof address === 'object')

  const stored = async (): Promise<number> => (await app.sql<{ count: number }[]>`select count(*)::int as count from secret`)[0]?.count ?? 0
  // Three times: fill the gate with whole requests, hang up on every one while it waits for its
  // hash, and let the handlers finish. A request counted out only when its answer is delivered
  // would leave the gate short of a place for each one still running at the hang-up.
  const CYCLES = 3
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const sockets: Socket[] = []
    for (let i = 0; i < GATE; i++) {
      const socket = connect(address.port, '127.0.0.1')
      socket.on('error', () => {})
      await once(socket, 'connect')
      socket.write(passphraseCreate(i))
      sockets.push(socket)
    }
    await sleep(150) // every request parsed; many still wait for a hash (5–15 ms each, one at a time)
    for (const socket of sockets) socket.destroy()
    // The abandoned handlers finish one hash at a time: wait until the count stops moving.
    let last = -1
    for (let still = 0; still < 3;) {
      await sleep(300)
      const now = await stored()
      still = now === last ? still + 1 : 0
      last = now
    }
  }
  const res = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'after the hang-ups' } })
  assert.equal(res.statusCode, 201, `the gate lets requests in once the abandoned ones are done (${res.body})`)
  assert.equal(await stored(), CYCLES * GATE + 1, 'every abandoned create was admitted and ran to the end')
})
