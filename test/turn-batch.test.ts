// Creates and reveals that arrive together share one statement (ADR 12), and still each get
// their own row, receipt, audit row and answer; one bad row does not fail the others.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { secretTaker } from '../functions/_lib/secret-taker.ts'
import { secretWriter, type NewSecret } from '../functions/_lib/secret-writer.ts'
import { parseToken } from '../functions/_lib/token.ts'
import { startTestApp } from './helper.ts'

const COUNT = 20

function newSecret (overrides: Partial<NewSecret> = {}): NewSecret {
  const id = randomBytes(32)
  return {
    id,
    ref: id.toString('hex').slice(0, 24),
    ciphertext: randomBytes(64),
    passphraseHash: null,
    revealRequiresPassphrase: false,
    ttlSeconds: 3600,
    receiptId: randomBytes(32),
    clientIp: '192.0.2.1',
    clientIpHash: null,
    userAgent: 'turn-batch-test',
    requestId: 'req-x',
    details: {},
    ...overrides
  }
}

test('creates of one turn share a statement, and each secret gets its own receipt, audit row and reveal', async (t) => {
  const { app } = await startTestApp(t)
  const created = await Promise.all(Array.from({ length: COUNT }, async (_, i) => {
    const res = await app.inject({ method: 'POST', url: '/secret', headers: { 'user-agent': `creator-${i}` }, payload: { secret: `secret number ${i}` } })
    assert.equal(res.statusCode, 201)
    return { i, ...res.json<{ secret_key: string, receipt_key: string }>() }
  }))

  const [{ statements }] = await app.sql<[{ statements: number }]>`select count(distinct xmin::text)::int as statements from secret`
  assert.ok(statements < COUNT, `${COUNT} creates in one turn took ${statements} statements`)
  const [{ receipts }] = await app.sql<[{ receipts: number }]>`select count(*)::int as receipts from receipt`
  assert.equal(receipts, COUNT)

  // Each audit row names its own request: the statement pairs rows and requests by id.
  for (const { i, secret_key: key } of created) {
    const token = parseToken(key)
    assert.ok(token !== undefined)
    const rows = await app.sql<Array<{ user_agent: string }>>`select user_agent from audit_log where event = 'created' and secret_ref = ${token.ref}`
    assert.deepEqual(rows.map((row) => row.user_agent), [`creator-${i}`])
  }

  const revealed = await Promise.all(created.map(async ({ i, secret_key: key }) => {
    const res = await app.inject({ method: 'GET', url: `/secret/${key}`, headers: { 'user-agent': `reader-${i}` } })
    assert.equal(res.statusCode, 200)
    return { i, key, secret: res.json<{ secret: string }>().secret }
  }))
  for (const { i, secret } of revealed) assert.equal(secret, `secret number ${i}`)

  const reads = await app.sql<Array<{ secret_ref: string, user_agent: string, xmin: string }>>`
    select secret_ref, user_agent, xmin::text as xmin from audit_log where event = 'revealed'`
  assert.equal(reads.length, COUNT)
  assert.ok(new Set(reads.map((row) => row.xmin)).size < COUNT, `${COUNT} reveals in one turn each took a statement`)
  for (const { i, key } of revealed) {
    const ref = parseToken(key)?.ref
    assert.deepEqual(reads.filter((row) => row.secret_ref === ref).map((row) => row.user_agent), [`reader-${i}`])
  }
  for (const { key } of revealed) {
    assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}` })).statusCode, 404)
  }
})

test('a row the database refuses fails alone; the others in its statement are stored', async (t) => {
  const { app } = await startTestApp(t)
  const store = secretWriter(app.sql)
  const good = Array.from({ length: 4 }, () => newSecret())
  // secret_id_is_sha256: an id of 31 bytes violates the table's check constraint.
  const bad = newSecret({ id: randomBytes(31) })
  const outcomes = await Promise.allSettled([good[0], good[1], bad, good[2], good[3]].map(async (secret) => await store(secret as NewSecret)))
  assert.equal(outcomes[2]?.status, 'rejected')
  assert.equal((outcomes[2] as PromiseRejectedResult).reason.code, '23514')
  for (const i of [0, 1, 3, 4]) assert.equal(outcomes[i]?.status, 'fulfilled', `secret ${i}`)
  const stored = await app.sql<Array<{ id: Buffer }>>`select id from secret`
  assert.deepEqual(new Set(stored.map((row) => row.id.toString('hex'))), new Set(good.map((s) => s.id.toString('hex'))))
  const [{ audited }] = await app.sql<[{ audited: number }]>`select count(*)::int as audited from audit_log where event = 'created'`
  assert.equal(audited, 4)
})

test('a statement holds at most the limit of rows and of ciphertext bytes', async (t) => {
  const { app } = await startTestApp(t)
  const statements = async (): Promise<number> => {
    const [row] = await app.sql<[{ n: number }]>`select count(distinct xmin::text)::int as n from secret`
    return row.n
  }
  const byRows = secretWriter(app.sql, { items: 2, bytes: Number.POSITIVE_INFINITY })
  await Promise.all(Array.from({ length: 5 }, async () => await byRows(newSecret())))
  assert.equal(await statements(), 3)

  await app.sql`delete from secret`
  // 64-byte ciphertexts under a 100-byte bound: one per statement.
  const byBytes = secretWriter(app.sql, { items: 64, bytes: 100 })
  await Promise.all(Array.from({ length: 3 }, async () => await byBytes(newSecret())))
  assert.equal(await statements(), 3)

  await app.sql`delete from secret`
  const unbounded = secretWriter(app.sql, { items: 64, bytes: Number.POSITIVE_INFINITY })
  await Promise.all(Array.from({ length: 3 }, async () => await unbounded(newSecret())))
  assert.equal(await statements(), 1)
})

test('reveals sharing a statement: gated, ungated, wrong hash and expired rows each get their own outcome', async (t) => {
  const { app } = await startTestApp(t)
  const store = secretWriter(app.sql)
  const gatedRight = newSecret({ passphraseHash: 'hash-b', revealRequiresPassphrase: true })
  const gatedAskedWithout = newSecret({ passphraseHash: 'hash-a', revealRequiresPassphrase: true })
  const gatedWrong = newSecret({ passphraseHash: 'hash-c', revealRequiresPassphrase: true })
  const plain = newSecret()
  const expired = newSecret()
  for (const s of [gatedRight, gatedAskedWithout, gatedWrong, plain, expired]) await store(s)
  await app.sql`update secret set created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour' where id = ${expired.id}`

  const take = secretTaker(app.sql)
  const by = { client_ip: '192.0.2.9', client_ip_hash: null, user_agent: 'reader', request_id: 'req-r' }
  const [a, b, c, d, e] = await Promise.all([
    take({ id: gatedAskedWithout.id, by, gatedHash: null }),
    take({ id: gatedRight.id, by, gatedHash: 'hash-b' }),
    take({ id: gatedWrong.id, by, gatedHash: 'not-hash-c' }),
    take({ id: plain.id, by, gatedHash: null }),
    take({ id: expired.id, by, gatedHash: null })
  ])
  assert.equal(a, undefined, 'a gated secret is not taken without its hash')
  assert.deepEqual(b, gatedRight.ciphertext)
  assert.equal(c, undefined, 'nor with another hash')
  assert.deepEqual(d, plain.ciphertext)
  assert.equal(e, undefined, 'an expired secret gives no ciphertext')

  const left = await app.sql<Array<{ id: Buffer }>>`select id from secret`
  assert.deepEqual(new Set(left.map((row) => row.id.toString('hex'))), new Set([gatedAskedWithout, gatedWrong].map((s) => s.id.toString('hex'))))
  const events = await app.sql<Array<{ event: string, secret_ref: string, xmin: string }>>`
    select event, secret_ref, xmin::text as xmin from audit_log where event <> 'created' order by secret_ref`
  assert.deepEqual(
    events.map((row) => [row.event, row.secret_ref]).sort(),
    [['expired', expired.ref], ['revealed', gatedRight.ref], ['revealed', plain.ref]].sort()
  )
  assert.equal(new Set(events.map((row) => row.xmin)).size, 1, 'the five reveals were one statement')
})
