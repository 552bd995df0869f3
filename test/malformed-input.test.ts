// Input Fastify or JSON cannot take as sent: refused with our error shape, headers and log line.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSecret, startTestApp } from './helper.ts'
import { SECURITY_HEADERS } from '../functions/_host/http-hooks.ts'

test('a URL that cannot be decoded gets our 400, our headers and a log line, and is not echoed', async (t) => {
  const { app, logs } = await startTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/secret/%E0%A4%A' })
  assert.equal(res.statusCode, 400)
  const body = res.json()
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'])
  assert.equal(body.code, 'REQUEST_INVALID')
  assert.ok(!res.body.includes('%E0'), 'the path is not echoed')
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) assert.equal(res.headers[name], value, name)
  assert.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'")
  assert.ok(typeof res.headers['x-request-id'] === 'string')
  const lines = logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request completed' && l.statusCode === 400)
  assert.equal(lines.length, 1, 'one request line is logged')
  assert.ok(!logs.join('').includes('%E0'), 'the log does not hold the URL')
})

test('a JSON body that is not valid UTF-8 is refused with 400, not stored as replacement characters', async (t) => {
  const { app } = await startTestApp(t)
  const payload = Buffer.concat([Buffer.from('{"secret": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])
  const res = await app.inject({ method: 'POST', url: '/secret', headers: { 'content-type': 'application/json' }, payload })
  assert.equal(res.statusCode, 400)
  assert.equal(res.json().code, 'REQUEST_MALFORMED_JSON')
  assert.match(res.json().message, /UTF-8/)
  const stored = await app.sql<{ n: number }[]>`select count(*)::int as n from secret`
  assert.equal(stored[0]?.n, 0)
  // Valid UTF-8 beyond ASCII still goes through.
  const fine = await app.inject({ method: 'POST', url: '/secret', headers: { 'content-type': 'application/json' }, payload: Buffer.from('{"secret": "ключ ✓"}') })
  assert.equal(fine.statusCode, 201)
})

test('a passphrase in the query string is a 400 that says where to send it, and burns nothing', async (t) => {
  const { app } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'guarded', passphrase: 'open sesame', reveal_requires_passphrase: true })
  const { secret_key: plain } = await createSecret(app, { secret: 'plain' })
  for (const request of [
    { method: 'DELETE', url: `/secret/${key}?passphrase=open%20sesame` },
    { method: 'GET', url: `/secret/${key}?passphrase=open%20sesame` },
    { method: 'GET', url: `/secret/${plain}?Passphrase=x` }
  ] as const) {
    const res = await app.inject(request)
    assert.equal(res.statusCode, 400, `${request.method} ${res.body}`)
    assert.equal(res.json().code, 'REQUEST_PASSPHRASE_IN_URL')
    assert.match(res.json().message, /X-Passphrase/)
  }
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}`, headers: { 'x-passphrase': 'open sesame' } })).statusCode, 200)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${plain}` })).statusCode, 200)
})
