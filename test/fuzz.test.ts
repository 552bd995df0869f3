// Property-based tests (fast-check): token format, crypto round trip and tamper detection, and fuzzed request bodies.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import { after, before, test } from 'node:test'
import fc from 'fast-check'
import { DecryptionError, keyring, masterKey, open, seal } from '../functions/_lib/secrets/crypto.ts'
import { newToken, parseToken } from '../functions/_lib/secrets/token.ts'
import { startTestApp, type TestApp } from './helper.ts'

// FUZZ_SEED=… reproduces a failure that fast-check reported with its seed.
const seed = process.env.FUZZ_SEED === undefined ? {} : { seed: Number(process.env.FUZZ_SEED) }
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const base64urlString = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...BASE64URL), minLength, maxLength })

test('parseToken accepts exactly the canonical 43-character base64url spelling of 32 bytes', () => {
  const candidates = fc.oneof(
    fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
    base64urlString(41, 45),
    fc.string({ unit: 'binary', maxLength: 60 }),
    // A valid key with one character replaced: often a non-canonical last character.
    fc.tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(42), fc.constantFrom(...BASE64URL, '=', '+', '/', '.', ' ', 'é'))
      .map(([bytes, at, char]) => { const key = Buffer.from(bytes).toString('base64url'); return key.slice(0, at) + char + key.slice(at + 1) })
  )
  fc.assert(fc.property(candidates, (key) => {
    const canonical = key.length === 43 && [...key].every((c) => BASE64URL.includes(c)) && Buffer.from(key, 'base64url').toString('base64url') === key
    const token = parseToken(key)
    assert.equal(token !== undefined, canonical, `parseToken(${JSON.stringify(key)})`)
    if (token !== undefined) assert.equal(token.bytes.toString('base64url'), key)
  }), { numRuns: 2000, ...seed })
})

test('newToken round-trips through parseToken to the same bytes, id and audit ref', () => {
  fc.assert(fc.property(fc.constant(null), () => {
    const token = newToken()
    const parsed = parseToken(token.key)
    assert.ok(parsed !== undefined)
    assert.match(token.key, /^[A-Za-z0-9_-]{43}$/)
    assert.ok(parsed.bytes.equals(token.bytes) && parsed.id.equals(token.id))
    assert.equal(parsed.ref, token.ref)
  }), { numRuns: 300, ...seed })
})

// A known answer, computed outside Node (Python's hashlib): the id and ref of a key must never
// change between releases, or stored secrets would become unreachable and audit trails split.
test('a key maps to the documented id (SHA-256) and audit ref (SHA-256 of "burnlink.secret_ref.v1" ‖ id, 24 hex digits)', () => {
  const token = parseToken(Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex').toString('base64url'))
  assert.ok(token !== undefined)
  assert.equal(token.id.toString('hex'), '4773d12e2371bb935b9a0f5439b4a1c3ad3f2414b86980f8418d1cfabdfadfef')
  assert.equal(token.ref, '3caa92df0dfe34e9280dc7ea')
})

const keys = keyring(masterKey(randomBytes(32)))
const wellFormedText = fc.string({ unit: 'binary', maxLength: 600 }).filter((s) => s.isWellFormed())
const passphraseKey = fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }).map((key) => ({ salt: randomBytes(16), key: Buffer.from(key) })), { nil: undefined })

test('open(seal(text)) returns the text, with and without a passphrase key', () => {
  fc.assert(fc.property(wellFormedText, passphraseKey, (text, gate) => {
    const token = newToken()
    assert.equal(open(seal(text, token, keys, gate), token, keys, gate?.key), text)
  }), { numRuns: 300, ...seed })
})

test('any flipped bit, truncation, other token, other master key or wrong passphrase key makes open() throw DecryptionError', () => {
  const tampering = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constantFrom('other-token' as const, 'other-master-key' as const, 'wrong-passphrase' as const) })
  )
  fc.assert(fc.property(wellFormedText, passphraseKey, tampering, (text, gate, how) => {
    const token = newToken()
    let sealed = seal(text, token, keys, gate)
    let openWith = { token, keys, passphrase: gate?.key }
    if (how.kind === 'flip') {
      sealed = Buffer.from(sealed)
      const at = how.at % sealed.length
      sealed[at] = (sealed[at] as number) ^ (1 << how.bit)
    } else if (how.kind === 'truncate') {
      sealed = sealed.subarray(0, how.at % sealed.length)
    } else if (how.kind === 'other-token') {
      openWith = { ...openWith, token: newToken() }
    } else if (how.kind === 'other-master-key') {
      openWith = { ...openWith, keys: keyring(masterKey(randomBytes(32))) }
    } else {
      openWith = { ...openWith, passphrase: randomBytes(32) }
      if (gate === undefined) return // a passphrase key is ignored for secrets sealed without one
    }
    assert.throws(() => open(sealed, openWith.token, openWith.keys, openWith.passphrase), DecryptionError)
  }), { numRuns: 1000, ...seed })
})

// ---- HTTP: bodies from the API's own schemas (its OpenAPI document), then mutated ----

interface JsonSchema { type?: string, examples?: unknown[], properties?: Record<string, JsonSchema>, required?: string[], minLength?: number, maxLength?: number, minimum?: number, maximum?: number, anyOf?: JsonSchema[] }

/** Values valid for a JSON schema (the subset the API uses); integers lean towards small ones. */
function fromSchema (schema: JsonSchema): fc.Arbitrary<unknown> {
  if (schema.anyOf !== undefined) return fc.oneof(...schema.anyOf.map(fromSchema))
  switch (schema.type) {
    case 'object': {
      const properties = Object.entries(schema.properties ?? {})
      return fc.record(Object.fromEntries(properties.map(([name, s]) => [name, fromSchema(s)])), { requiredKeys: schema.required ?? [] })
    }
    case 'string': {
      // A field such as notify_url takes only values a random string never is: its examples too.
      const examples = (schema.examples ?? []).filter((e): e is string => typeof e === 'string')
      const random = fc.string({ unit: fc.oneof(fc.constant('a'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }).filter((s) => s.isWellFormed())
      return examples.length === 0 ? random : fc.oneof(fc.constantFrom(...examples), random)
    }
    case 'integer':
      return fc.oneof(fc.integer({ min: schema.minimum ?? 0, max: Math.min(schema.maximum ?? 1_000_000, 1_000_000) }), fc.integer({ min: schema.minimum ?? -(2 ** 31), max: schema.maximum ?? 2 ** 31 }))
    case 'boolean':
      return fc.boolean()
    default:
      return fc.constant(null)
  }
}

const wrongValue = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.string({ unit: 'binary' }), fc.array(fc.jsonValue(), { maxLength: 4 }), fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }))
const literal = fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '1e308', '-0', '99999999999999999999999', '0.5', '300.0', '3e2', '"\\ud800"', '"a\\udfffb"', '"\\u0000"', '"\u0001\u001f"', '"\\ud83d\\ude00"', 'undefined', "'x'", '0x10', '[]', '{}', 'true')
const SPECIAL_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '', 'secret ', 'SECRET']

/** Raw body texts/bytes: valid ones, type mutations, odd literals, duplicate and poisonous keys, deep nesting, broken UTF-8. */
function bodies (schema: JsonSchema, maxBytes: number): fc.Arbitrary<string | Buffer> {
  const valid = fromSchema(schema) as fc.Arbitrary<Record<string, unknown>>
  const fields = Object.keys(schema.properties ?? {})
  const field = fc.constantFrom(...fields)
  const asText = (value: unknown): string => JSON.stringify(value) ?? 'null'
  const nest = (depth: number, open: string, close: string, inner = '1'): string => open.repeat(depth) + inner + close.repeat(depth)
  return fc.oneof(
    valid.map(asText),
    fc.tuple(valid, field, wrongValue).map(([body, name, value]) => asText({ ...body, [name]: value })),
    fc.tuple(valid, field, literal).map(([body, name, lit]) => asText(body).replace(/^\{/, `{${JSON.stringify(name)}:${lit},`).replace(/,}$/, '}')),
    fc.tuple(valid, field, wrongValue).map(([body, name, value]) => asText(body).replace(/}$/, `${Object.keys(body).length > 0 ? ',' : ''}${JSON.stringify(name)}:${asText(value)}}`)),
    fc.tuple(valid, fc.constantFrom(...SPECIAL_KEYS), fc.jsonValue()).map(([body, key, value]) => asText(body).replace(/}$/, `${Object.keys(body).length > 0 ? ',' : ''}${JSON.stringify(key)}:${asText(key === '__proto__' || key === 'constructor' ? { polluted: value, prototype: { polluted: value } } : value)}}`)),
    fc.tuple(fc.integer({ min: 1, max: 20_000 }), field, fc.constantFrom(['[', ']'], ['{"a":', '}'])).map(([depth, name, [open, close]]) => `{${JSON.stringify(name)}:${nest(depth, open as string, close as string)}}`),
    fc.tuple(valid.map(asText), fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => Buffer.from(b.map((x) => x | 0x80))), fc.nat())
      .map(([text, bad, at]) => { const raw = Buffer.from(text); const i = raw.length === 0 ? 0 : at % raw.length; return Buffer.concat([raw.subarray(0, i), bad, raw.subarray(i)]) }),
    fc.tuple(fc.constantFrom(maxBytes, maxBytes + 1, maxBytes * 3, maxBytes * 7), fc.constantFrom('a', 'é', '\u0001')).map(([n, c]) => asText({ secret: c.repeat(n) })),
    fc.jsonValue().map(asText),
    fc.string({ unit: 'binary', maxLength: 80 })
  )
}

/** Strings the client sent as values (not keys), long enough that finding one in a reply means an echo. */
function sentValues (raw: string | Buffer): string[] {
  const text = raw.toString()
  const values = [...text.matchAll(/:\s*"((?:[^"\\]|\\.){8,})"/g)].map((m) => m[1] as string)
  const decoded = values.flatMap((v) => { try { return [JSON.parse(`"${v}"`) as string] } catch { return [] } })
  return [...values, ...decoded].filter((v) => v.length >= 8 && !/^[a-z_]+$/.test(v))
}

function assertWellFormedReply (res: { statusCode: number, body: string, headers: Record<string, unknown> }, raw: string | Buffer): void {
  assert.ok(res.statusCode < 500, `never a 5xx: ${res.statusCode} ${res.body.slice(0, 300)} for ${raw.toString().slice(0, 200)}`)
  if (res.statusCode >= 400) {
    const body = JSON.parse(res.body) as Record<string, unknown>
    assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], res.body)
    assert.equal(body.statusCode, res.statusCode)
    assert.match(String(body.code), /^[A-Z][A-Z0-9_]+$/)
    assert.equal(body.error, STATUS_CODES[res.statusCode])
    assert.equal(typeof body.message, 'string')
    assert.match(String(res.headers['content-type']), /^application\/json/)
  }
  for (const value of sentValues(raw)) assert.ok(!res.body.includes(value), `the reply never echoes a submitted value: ${JSON.stringify(value)} in ${res.body.slice(0, 300)}`)
}

let server: TestApp
const MAX_BYTES = 1024
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort()
const cleanups: Array<() => Promise<void>> = []
// Registered at the top level: an after() called inside before() would run right after it.
after(async () => { for (const cleanup of cleanups.reverse()) await cleanup() })
before(async () => {
  server = await startTestApp({ after: (fn: () => Promise<void>) => { cleanups.push(fn) } }, {
    // A small secret limit keeps the too-large bodies cheap; the rate limits would only say 429.
    // Private networks allowed: the notify_url example is then accepted without asking DNS.
    env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', SECRET_MAX_BYTES: String(MAX_BYTES), RATE_LIMIT_CREATE_PER_MINUTE: '0', RATE_LIMIT_READ_PER_MINUTE: '0', RATE_LIMIT_DELETE_PER_MINUTE: '0' }
  })
})

async function requestSchema (method: 'post' | 'delete', path: string): Promise<JsonSchema> {
  const document = (await server.app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>> }>()
  const schema = document.paths[path]?.[method]?.requestBody?.content['application/json']?.schema
  assert.ok(schema !== undefined, `the OpenAPI document describes the body of ${method.toUpperCase()} ${path}`)
  return schema
}

test('POST /secret with bodies from its schema and mutations of them: never a 5xx, every 4xx well-formed, no echo', async (t) => {
  const schema = await requestSchema('post', '/secret')
  const statuses = new Map<string, number>()
  await fc.assert(fc.asyncProperty(bodies(schema, MAX_BYTES), async (raw) => {
    const res = await server.app.inject({ method: 'POST', url: '/secret', headers: { 'content-type': 'application/json' }, payload: raw })
    const label = res.statusCode < 300 ? String(res.statusCode) : `${res.statusCode} ${res.json<{ code: string }>().code}`
    statuses.set(label, (statuses.get(label) ?? 0) + 1)
    assertWellFormedReply(res, raw)
  }), { numRuns: 400, ...seed })
  t.diagnostic([...statuses].sort().map(([label, n]) => `${label}×${n}`).join(', '))
  assert.ok((statuses.get('201') ?? 0) >= 5 && [...statuses.keys()].filter((l) => l.startsWith('4')).length >= 4, `both accepted and refused bodies were tried: ${[...statuses].join(' ')}`)
})

test('DELETE /secret/{key} with fuzzed bodies, passphrase headers and keys: never a 5xx, every 4xx well-formed', async () => {
  const schema = await requestSchema('delete', '/secret/{secret_key}')
  const created = await server.app.inject({ method: 'POST', url: '/secret', payload: { secret: 'fuzz target secret', passphrase: 'the right one' } })
  const target = created.json<{ secret_key: string }>().secret_key
  const key = fc.oneof(fc.constant(target), fc.constant(newToken().key), base64urlString(0, 50), fc.string({ unit: 'binary', maxLength: 60 }).map(encodeURIComponent))
  const header = fc.option(fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 }), { nil: undefined })
  await fc.assert(fc.asyncProperty(fc.option(bodies(schema, MAX_BYTES), { nil: undefined }), key, header, async (raw, secretKey, passphrase) => {
    const res = await server.app.inject({
      method: 'DELETE',
      url: `/secret/${secretKey}`,
      headers: { ...(raw === undefined ? {} : { 'content-type': 'application/json' }), ...(passphrase === undefined ? {} : { 'x-passphrase': passphrase }) },
      ...(raw === undefined ? {} : { payload: raw })
    })
    assertWellFormedReply(res, raw ?? '')
  }), { numRuns: 300, ...seed })
})

test('GET /secret/{key} with fuzzed keys and X-Passphrase headers: never a 5xx, every 4xx well-formed', async () => {
  const made = await server.app.inject({ method: 'POST', url: '/secret', payload: { secret: 'gated fuzz target', passphrase: 'the right one', reveal_requires_passphrase: true } })
  const target = made.json<{ secret_key: string }>().secret_key
  const key = fc.oneof(fc.constant(target), fc.constant(newToken().key), base64urlString(0, 50), fc.string({ unit: 'binary', maxLength: 60 }).map(encodeURIComponent))
  const header = fc.option(fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 40 }), { nil: undefined })
  await fc.assert(fc.asyncProperty(key, header, async (secretKey, passphrase) => {
    const res = await server.app.inject({ method: 'GET', url: `/secret/${secretKey}`, headers: passphrase === undefined ? {} : { 'x-passphrase': passphrase } })
    assertWellFormedReply(res, '')
    if (res.statusCode === 200) assert.equal(passphrase, 'the right one', 'a gated secret opens only with its passphrase')
  }), { numRuns: 200, ...seed })
})

test('after the fuzzing the server still works and no prototype was polluted', async () => {
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeBefore)
  assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined)
  const created = await server.app.inject({ method: 'POST', url: '/secret', payload: { secret: 'still fine' } })
  assert.equal(created.statusCode, 201)
  const read = await server.app.inject({ method: 'GET', url: `/secret/${created.json<{ secret_key: string }>().secret_key}` })
  assert.deepEqual(read.json(), { secret: 'still fine' })
})
