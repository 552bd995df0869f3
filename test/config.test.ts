// Configuration: defaults, one clear error per bad variable, warnings, and the generated key.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ConfigError, configWarnings, loadConfig } from '../functions/_lib/platform/config.ts'
import { decodeKey, loadKeys } from '../functions/_lib/secrets/master-key.ts'
import { pick } from '../functions/index.ts'

test('defaults match the documented ones', () => {
  const config = loadConfig({})
  assert.equal(config.http.port, 8080)
  assert.equal(config.http.host, '127.0.0.1')
  assert.equal(config.http.trustProxy, false)
  assert.equal(config.database.host, undefined, 'no host means the embedded database')
  assert.deepEqual(config.secret, { maxBytes: 65_536, defaultTtlSeconds: 86_400, minTtlSeconds: 300, maxTtlSeconds: 604_800 })
  assert.deepEqual(configWarnings(config), [])
})

test('a bad value stops start-up with one line naming the variable', () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'eighty' }, /^PORT="eighty" is invalid/],
    [{ POSTGRES_PORT: '70000' }, /^POSTGRES_PORT=/],
    [{ SECRET_MAX_BYTES: '0' }, /^SECRET_MAX_BYTES=/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL=/],
    [{ RUN_WORKER: 'yes' }, /^RUN_WORKER=/],
    [{ TRUST_PROXY: 'proxy.example' }, /^TRUST_PROXY=/],
    [{ SECRET_MIN_TTL_SECONDS: '900', SECRET_MAX_TTL_SECONDS: '600', SECRET_DEFAULT_TTL_SECONDS: '700' }, /SECRET_MIN_TTL_SECONDS=900 is larger/],
    [{ SECRET_DEFAULT_TTL_SECONDS: '10' }, /^SECRET_DEFAULT_TTL_SECONDS=10 is outside/],
    [{ POSTGRES_PASSWORD_FILE: '/nonexistent/pw' }, /^POSTGRES_PASSWORD_FILE=.*cannot be read/],
    // The operator-wide stream is checked at start as a notify_url is at create time.
    [{ WEBHOOK_URL: 'siem.example/hook', WEBHOOK_SECRET: STREAM_SECRET }, /^WEBHOOK_URL is not a URL/],
    [{ WEBHOOK_URL: 'http://siem.example/hook', WEBHOOK_SECRET: STREAM_SECRET }, /^WEBHOOK_URL must use https/],
    [{ WEBHOOK_URL: 'https://user:pw@siem.example/hook', WEBHOOK_SECRET: STREAM_SECRET }, /^WEBHOOK_URL must not carry/],
    [{ WEBHOOK_URL: 'https://10.1.2.3/hook', WEBHOOK_SECRET: STREAM_SECRET }, /^WEBHOOK_URL refused: 10\.1\.2\.3 is a loopback, private/],
    [{ WEBHOOK_URL: 'https://[::1]/hook', WEBHOOK_SECRET: STREAM_SECRET }, /^WEBHOOK_URL refused: ::1 is/]
  ]
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'), JSON.stringify(env))
  }
  assert.throws(() => pick('read-secret,bogus'), /unknown function\(s\) bogus/)
  // What the operator allows, the start allows.
  assert.equal(loadConfig({ WEBHOOK_URL: 'http://10.1.2.3/hook', WEBHOOK_SECRET: STREAM_SECRET, WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }).webhook.stream?.url, 'http://10.1.2.3/hook')
  assert.equal(loadConfig({ WEBHOOK_URL: 'https://siem.example/hook', WEBHOOK_SECRET: STREAM_SECRET }).webhook.stream?.url, 'https://siem.example/hook')
})

const STREAM_SECRET = `whsec_${Buffer.alloc(24, 7).toString('base64')}`

test('TRUST_PROXY takes booleans, hop counts and address lists; a lowered minimum TTL warns', () => {
  assert.equal(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy, true)
  assert.equal(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy, 2)
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,::1' }).http.trustProxy, ['10.0.0.1', '192.168.0.0/16', '::1'])
  const warnings = configWarnings(loadConfig({ SECRET_MIN_TTL_SECONDS: '1', TRUST_PROXY: 'true' }))
  assert.equal(warnings.length, 2)
  assert.match(warnings[0] ?? '', /below 300/)
})

test('secrets can come from *_FILE variables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-config-'))
  try {
    const key = Buffer.alloc(32, 7).toString('base64')
    writeFileSync(join(dir, 'pw'), 'hunter2\n')
    writeFileSync(join(dir, 'key'), key + '\n')
    const config = loadConfig({ POSTGRES_PASSWORD_FILE: join(dir, 'pw'), ENCRYPTION_KEY_FILE: join(dir, 'key') })
    assert.equal(config.database.password, 'hunter2')
    assert.equal(config.encryption.key, key)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('without ENCRYPTION_KEY a key is generated once in DATA_DIR with mode 0600 and reused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-keys-'))
  try {
    const config = loadConfig({ DATA_DIR: dir })
    const first = loadKeys(config)
    assert.match(first.warning ?? '', /generated a master key/)
    const path = join(dir, 'master.key')
    assert.equal(statSync(path).mode & 0o777, 0o600)
    const second = loadKeys(config)
    assert.deepEqual(second.keys.current.bytes, first.keys.current.bytes)
    assert.equal(decodeKey(readFileSync(path, 'utf8'), 'file').length, 32)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('keys are accepted as hex or base64 of exactly 32 bytes, nothing else', () => {
  const bytes = Buffer.alloc(32, 0xab)
  assert.deepEqual(decodeKey(bytes.toString('hex'), 'K'), bytes)
  assert.deepEqual(decodeKey(bytes.toString('base64'), 'K'), bytes)
  assert.deepEqual(decodeKey(bytes.toString('base64url'), 'K'), bytes)
  for (const bad of ['short', Buffer.alloc(16).toString('hex'), Buffer.alloc(33).toString('base64'), 'z'.repeat(64)]) {
    assert.throws(() => decodeKey(bad, 'ENCRYPTION_KEY'), /ENCRYPTION_KEY is not a 32-byte key/)
  }
})

test('without ENCRYPTION_KEY and with a DATA_DIR that cannot be written, start-up stops with one clear line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-ro-'))
  try {
    writeFileSync(join(dir, 'not-a-dir'), 'x')
    const config = loadConfig({ DATA_DIR: join(dir, 'not-a-dir', 'data') })
    assert.throws(() => loadKeys(config), (err: unknown) => err instanceof ConfigError && /set ENCRYPTION_KEY or make DATA_DIR writable/.test(err.message))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('POSTGRES_PREPARE switches prepared statements off for transaction poolers', () => {
  assert.equal(loadConfig({}).database.prepare, true)
  assert.equal(loadConfig({ POSTGRES_PREPARE: 'false' }).database.prepare, false)
})
