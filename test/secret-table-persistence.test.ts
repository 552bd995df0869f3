// db/admin/secret-table-(un)logged.sql: the documented durability switch keeps rows and the API.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import type { App } from '../functions/_lib/platform/http-function.ts'
import { createSecret, startTestApp } from './helper.ts'

async function runAdminFile (app: App, name: string): Promise<void> {
  // The files are ours and take no input; unsafe() lets one run several statements, as psql does.
  await app.sql.unsafe(readFileSync(new URL(`../db/admin/${name}.sql`, import.meta.url), 'utf8'))
}

/** relpersistence of the secret table and of those that follow it (throttle, file chunks and transfers): p or u. */
async function persistence (app: App): Promise<string> {
  const rows = await app.sql<{ relpersistence: string }[]>`
    select relpersistence from pg_class where oid in ('secret'::regclass, 'passphrase_throttle'::regclass, 'secret_chunk'::regclass, 'file_transfer'::regclass)`
  const kinds = [...new Set(rows.map((row) => row.relpersistence))]
  return rows.length === 4 && kinds.length === 1 ? kinds[0] ?? '' : `mixed: ${kinds.join(',')}`
}

test('the secret tables switch to LOGGED and back together, keeping unread secrets readable once', async (t) => {
  const { app } = await startTestApp(t)
  assert.equal(await persistence(app), 'u', 'migrations create it UNLOGGED')
  const before = await createSecret(app, { secret: 'stored while unlogged' })

  await runAdminFile(app, 'secret-table-logged')
  assert.equal(await persistence(app), 'p')
  const during = await createSecret(app, { secret: 'stored while logged' })
  const first = await app.inject({ method: 'GET', url: `/secret/${before.secret_key}` })
  assert.deepEqual(first.json(), { secret: 'stored while unlogged' })

  await runAdminFile(app, 'secret-table-unlogged')
  assert.equal(await persistence(app), 'u')
  const second = await app.inject({ method: 'GET', url: `/secret/${during.secret_key}` })
  assert.deepEqual(second.json(), { secret: 'stored while logged' })
  const again = await app.inject({ method: 'GET', url: `/secret/${during.secret_key}` })
  assert.equal(again.statusCode, 404)
})
