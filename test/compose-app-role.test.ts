// The compose database's init script: the app's role is no superuser, and migrations still run as it.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import postgres from 'postgres'
import { createTestDatabase, EMBEDDED_POSTGRES, onCleanup, startTestApp } from './helper.ts'

test('db/compose/10-app-role.sh makes a non-superuser owner role, and Burnlink migrates and serves as it', { skip: EMBEDDED_POSTGRES && 'needs POSTGRES_HOST (the compose init script speaks TCP)' }, async (t) => {
  const role = `burnlink_app_${randomBytes(4).toString('hex')}`
  const admin = { PGHOST: process.env.POSTGRES_HOST ?? '127.0.0.1', PGPORT: process.env.POSTGRES_PORT ?? '5432', ...(process.env.POSTGRES_PASSWORD === undefined ? {} : { PGPASSWORD: process.env.POSTGRES_PASSWORD }) }
  onCleanup(t, () => {
    const sql = postgres({ host: admin.PGHOST, port: Number(admin.PGPORT), username: process.env.POSTGRES_USER ?? 'postgres', database: 'postgres', max: 1, onnotice: () => {} })
    return sql.unsafe(`drop role if exists ${role}`).finally(async () => { await sql.end() })
  })
  // Dropped before the role (cleanups run last first): the role owns it.
  const database = await createTestDatabase()
  onCleanup(t, database.drop)
  execFileSync('sh', [new URL('../db/compose/10-app-role.sh', import.meta.url).pathname], {
    env: { ...process.env, ...admin, POSTGRES_USER: process.env.POSTGRES_USER ?? 'postgres', POSTGRES_DB: database.env.POSTGRES_DB ?? '', BURNLINK_DB_USER: role, BURNLINK_DB_PASSWORD: 'app-password' },
    stdio: ['ignore', 'ignore', 'inherit']
  })
  const { app } = await startTestApp(t, { database: { ...database, env: { ...database.env, POSTGRES_USER: role, POSTGRES_PASSWORD: 'app-password' } }, runWorker: true })
  const [me] = await app.sql<{ rolsuper: boolean, rolcreaterole: boolean, owner: string }[]>`
    select r.rolsuper, r.rolcreaterole, (select pg_get_userbyid(datdba) from pg_database where datname = current_database()) as owner
    from pg_roles r where r.rolname = current_user`
  assert.deepEqual(me, { rolsuper: false, rolcreaterole: false, owner: role })
  const created = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'as the app role' } })
  assert.equal(created.statusCode, 201, created.body)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${created.json().secret_key}` })).json().secret, 'as the app role')
})
