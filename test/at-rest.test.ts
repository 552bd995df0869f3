// Nothing sensitive at rest or in logs: the database holds neither plaintext, passphrase nor key.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { parseToken } from '../functions/_lib/secrets/token.ts'
import { createSecret, REAL_POSTGRES, startTestApp } from './helper.ts'

const MARKER = 'MARKER-plaintext-4b1d9c'
const PASSPHRASE = 'PASSPHRASE-marker-77e2'

/** Everything the database holds: pg_dump of a real server, or PGlite's raw files on disk. */
function databaseBytes (env: Record<string, string>): Buffer {
  if (REAL_POSTGRES) {
    return execFileSync('pg_dump', ['-h', env.POSTGRES_HOST ?? '', '-p', env.POSTGRES_PORT ?? '', '-U', env.POSTGRES_USER ?? '', '--no-password', env.POSTGRES_DB ?? ''], { maxBuffer: 256 * 1024 * 1024 })
  }
  const files: Buffer[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name)
      if (statSync(path).isDirectory()) walk(path)
      else files.push(readFileSync(path))
    }
  }
  walk(join(env.DATA_DIR ?? '', 'pglite'))
  return Buffer.concat(files)
}

test('after storing a marker with a passphrase, the database holds neither, nor the key; the log holds no key', async (t) => {
  const { app, env, logs } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: MARKER, passphrase: PASSPHRASE })
  const other = await createSecret(app, { secret: MARKER })
  await app.inject({ method: 'GET', url: `/secret/${other.secret_key}` })
  await app.inject({ method: 'DELETE', url: `/secret/${key}`, payload: { passphrase: 'wrong' } })
  await app.inject({ method: 'GET', url: `/secret/${key}x` })
  // The row must really be there, or the test proves nothing.
  const [{ count }] = await app.sql<[{ count: number }]>`select count(*)::int as count from secret`
  assert.equal(count, 1)
  await app.sql`checkpoint`

  const dump = databaseBytes(env)
  assert.ok(dump.length > 2000, `the dump is not empty (${dump.length} bytes)`)
  assert.ok(dump.includes('audit_log'), 'the dump really covers the tables')
  assert.ok(dump.includes(parseToken(key)?.ref ?? '-'), 'the dump really holds the rows (the secret_ref is there)')
  for (const needle of [MARKER, PASSPHRASE, key, other.secret_key, Buffer.from(key, 'base64url').toString('hex')]) {
    assert.ok(!dump.includes(needle), `database must not contain ${needle.slice(0, 12)}…`)
  }
  const log = logs.join('')
  assert.ok(log.includes('request completed'), 'the log was captured')
  for (const needle of [MARKER, PASSPHRASE, key, other.secret_key]) {
    assert.ok(!log.includes(needle), `log must not contain ${needle.slice(0, 12)}…`)
  }
})
