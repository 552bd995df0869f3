// POST /secret: the contract, its limits, and every kind of bad input.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { auditRows, startTestApp } from './helper.ts'

const json = { 'content-type': 'application/json' }

test('POST /secret returns 201 with a 43-character URL-safe key and the expiry', async (t) => {
  const { app } = await startTestApp(t)
  const before = Date.now()
  const res = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 's3cret', ttl_seconds: 3600 } })
  assert.equal(res.statusCode, 201)
  const body = res.json()
  assert.deepEqual(Object.keys(body).sort(), ['expires_at', 'receipt_key', 'secret_key'])
  assert.match(body.receipt_key, /^[A-Za-z0-9_-]{43}$/)
  assert.notEqual(body.receipt_key, body.secret_key)
  assert.match(body.secret_key, /^[A-Za-z0-9_-]{43}$/)
  const expires = Date.parse(body.expires_at)
  assert.ok(Math.abs(expires - (before + 3600_000)) < 5000, `expires_at ${body.expires_at} is about an hour away`)

  const other = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 's3cret' } })
  assert.notEqual(other.json().secret_key, body.secret_key)
  const defaultExpiry = Date.parse(other.json().expires_at)
  assert.ok(Math.abs(defaultExpiry - (before + 86_400_000)) < 5000, 'default TTL is 86400 s')
})

test('ttl_seconds below 300 is refused with a message about the 5-minute minimum; above the maximum too', async (t) => {
  const { app } = await startTestApp(t)
  const short = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x', ttl_seconds: 299 } })
  assert.equal(short.statusCode, 400)
  assert.equal(short.json().code, 'SECRET_TTL_OUT_OF_RANGE')
  assert.match(short.json().message, /at least 300.*5 minutes/)
  const long = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x', ttl_seconds: 604_801 } })
  assert.equal(long.statusCode, 400)
  assert.equal(long.json().code, 'SECRET_TTL_OUT_OF_RANGE')
  for (const ttl of [300, 604_800]) {
    const ok = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x', ttl_seconds: ttl } })
    assert.equal(ok.statusCode, 201, `ttl ${ttl} is inside the bounds`)
  }
})

test('a lowered minimum TTL from configuration is honoured', async (t) => {
  const { app } = await startTestApp(t, { env: { SECRET_MIN_TTL_SECONDS: '1' } })
  const res = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x', ttl_seconds: 1 } })
  assert.equal(res.statusCode, 201)
})

test('bad input gets a 400 with a stable code, never coercion and never an echo of the secret', async (t) => {
  const { app } = await startTestApp(t)
  const marker = 'MARKER-do-not-echo-7f3a'
  const cases: Array<[string, unknown, string]> = [
    ['ttl as string', { secret: marker, ttl_seconds: '600' }, 'REQUEST_INVALID'],
    ['ttl as float', { secret: marker, ttl_seconds: 600.5 }, 'REQUEST_INVALID'],
    ['ttl null', { secret: marker, ttl_seconds: null }, 'REQUEST_INVALID'],
    ['secret as number', { secret: 12345 }, 'REQUEST_INVALID'],
    ['secret as array', { secret: [marker] }, 'REQUEST_INVALID'],
    ['empty secret', { secret: '' }, 'REQUEST_INVALID'],
    ['missing secret', { passphrase: marker }, 'REQUEST_INVALID'],
    ['empty passphrase', { secret: marker, passphrase: '' }, 'REQUEST_INVALID'],
    ['passphrase too long', { secret: marker, passphrase: 'p'.repeat(1025) }, 'REQUEST_INVALID'],
    ['passphrase as boolean', { secret: marker, passphrase: true }, 'REQUEST_INVALID'],
    ['unknown field', { secret: marker, colour: 'red' }, 'REQUEST_INVALID'],
    ['body is an array', [marker], 'REQUEST_INVALID'],
    ['body is a string', marker, 'REQUEST_INVALID'],
    ['lone surrogate in secret', { secret: `${marker}\ud800` }, 'REQUEST_INVALID'],
    ['huge ttl', { secret: marker, ttl_seconds: 1e300 }, 'SECRET_TTL_OUT_OF_RANGE'],
    ['negative ttl', { secret: marker, ttl_seconds: -1 }, 'SECRET_TTL_OUT_OF_RANGE']
  ]
  for (const [name, body, code] of cases) {
    const res = await app.inject({ method: 'POST', url: '/secret', headers: json, payload: JSON.stringify(body) })
    assert.equal(res.statusCode, 400, name)
    assert.equal(res.json().code, code, name)
    assert.equal(typeof res.json().message, 'string', name)
    assert.ok(!res.body.includes(marker), `${name}: the error must not echo the secret`)
  }
  assert.deepEqual(await auditRows(app), [], 'nothing was stored')
})

test('malformed JSON is a 400 whose message does not quote the body', async (t) => {
  const { app } = await startTestApp(t)
  for (const payload of ['{"secret": "MARKER-xyz', '{"secret": MARKER-xyz}', '{', 'null']) {
    const res = await app.inject({ method: 'POST', url: '/secret', headers: json, payload })
    assert.equal(res.statusCode, 400, payload)
    assert.ok(['REQUEST_MALFORMED_JSON', 'REQUEST_INVALID'].includes(res.json().code), payload)
    assert.ok(!res.body.includes('MARKER'), `${payload}: must not echo`)
  }
  const empty = await app.inject({ method: 'POST', url: '/secret', headers: json, payload: '' })
  assert.equal(empty.statusCode, 400)
  assert.equal(empty.json().code, 'REQUEST_MALFORMED_JSON')
})

test('a secret over SECRET_MAX_BYTES (counted in UTF-8 bytes) is a 413; an oversized body too', async (t) => {
  const { app } = await startTestApp(t, { env: { SECRET_MAX_BYTES: '16' } })
  const fits = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'é'.repeat(8) } }) // 16 bytes
  assert.equal(fits.statusCode, 201)
  const over = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'é'.repeat(9) } }) // 9 chars, 18 bytes
  assert.equal(over.statusCode, 413)
  assert.equal(over.json().code, 'SECRET_TOO_LARGE')
  assert.match(over.json().message, /18 bytes.*16 bytes/)
  const body = await app.inject({ method: 'POST', url: '/secret', headers: json, payload: JSON.stringify({ secret: 'x'.repeat(200_000) }) })
  assert.equal(body.statusCode, 413)
  assert.equal(body.json().code, 'REQUEST_BODY_TOO_LARGE')
})

test('a body that is not JSON is a 415', async (t) => {
  const { app } = await startTestApp(t)
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const res = await app.inject({ method: 'POST', url: '/secret', headers: { 'content-type': type }, payload: 'secret=x' })
    assert.equal(res.statusCode, 415, type)
    assert.equal(res.json().code, 'REQUEST_UNSUPPORTED_MEDIA_TYPE')
  }
  const none = await app.inject({ method: 'POST', url: '/secret' })
  assert.ok([400, 415].includes(none.statusCode), 'no body at all is a client error')
})
