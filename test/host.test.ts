// The host: subsets of functions, the OpenAPI document, readiness, restarts.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { pick } from '../functions/index.ts'
import postgres from 'postgres'
import { MIGRATION_LOCK_KEY } from '../functions/_lib/platform/migrate.ts'
import { createSecret, createTestDatabase, onCleanup, startTestApp, type TestApp } from './helper.ts'

test('FUNCTIONS=read-secret mounts only that function (and health), while /openapi.json still describes the whole API', async (t) => {
  const { app } = await startTestApp(t, { functions: pick('read-secret') })
  const create = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x' } })
  assert.equal(create.statusCode, 404)
  assert.equal(create.json().code, 'ROUTE_NOT_FOUND')
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${'A'.repeat(43)}` })).json().code, 'SECRET_NOT_FOUND')
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  assert.deepEqual(Object.keys(doc.paths).sort(), ['/account/callback', '/account/me', '/account/secrets', '/account/secrets/{ref}', '/account/sign-in', '/account/sign-out', '/account/tokens', '/account/tokens/{name}', '/file', '/file/{secret_key}', '/healthz', '/readyz', '/receipt/{receipt_key}', '/request', '/request/inbox/{inbox_key}', '/request/inbox/{inbox_key}/file', '/request/inbox/{inbox_key}/status', '/request/{request_key}', '/request/{request_key}/answer', '/secret', '/secret/{secret_key}', '/secret/{secret_key}/status'])
})

test('the OpenAPI document describes every operation, its examples and every error response', async (t) => {
  const { app } = await startTestApp(t)
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json()
  assert.match(doc.openapi, /^3\./)
  const create = doc.paths['/secret'].post
  assert.deepEqual(Object.keys(create.responses).sort(), ['201', '400', '401', '403', '413', '415', '429', '503'])
  assert.deepEqual(create.security, [{}, { apiToken: [] }, { session: [] }], 'a create may take an API token or a session')
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['apiToken', 'session'])
  assert.ok(create.requestBody.content['application/json'].schema.properties.ttl_seconds.description.includes('300'))
  const read = doc.paths['/secret/{secret_key}'].get
  assert.deepEqual(Object.keys(read.responses).sort(), ['200', '400', '403', '404', '429', '503'])
  const del = doc.paths['/secret/{secret_key}'].delete
  assert.deepEqual(Object.keys(del.responses).sort(), ['200', '400', '403', '404', '413', '415', '429', '503'])
  assert.deepEqual(Object.keys(doc.paths['/receipt/{receipt_key}'].get.responses).sort(), ['200', '404', '429', '503'])
  assert.equal(doc.paths['/secret/{secret_key}'].head, undefined, 'no HEAD route that would burn secrets')
  assert.equal(doc.paths['/request/inbox/{inbox_key}'].head, undefined, 'no HEAD route that would burn an answer')
  // An answer may be a streamed file: its upload's 408 and 411 too.
  assert.deepEqual(Object.keys(doc.paths['/request/{request_key}/answer'].post.responses).sort(), ['201', '400', '404', '408', '409', '411', '413', '415', '429', '503'])
  const text = JSON.stringify(doc)
  assert.ok(text.includes('"examples"'), 'examples are present')
  assert.ok(text.includes('SECRET_NOT_FOUND'))
})

test('/docs serves Swagger UI from this host only', async (t) => {
  const { app } = await startTestApp(t)
  const page = await app.inject({ method: 'GET', url: '/docs/' })
  assert.equal(page.statusCode, 200)
  assert.match(page.headers['content-type'] ?? '', /text\/html/)
  const external = page.body.match(/(src|href)="(https?:)?\/\/[^"]+"/g)
  assert.equal(external, null, 'no asset from another host')
  const init = await app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
  assert.equal(init.statusCode, 200)
  // The only remote request Swagger UI makes by default is the validator badge: switched off.
  assert.match(init.body, /validatorUrl"?:\s*null/)
})

test('/readyz says 503 when the database does not answer', async (t) => {
  const { app } = await startTestApp(t)
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(ready.statusCode, 200)
  assert.equal(ready.json().status, 'ready')
  await app.sql.end()
  const down = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(down.statusCode, 503)
  assert.equal(down.json().status, 'unavailable')
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness does not depend on the database')
})

test('a restarted service still reveals the secrets stored before the restart', async (t) => {
  const database = await createTestDatabase()
  onCleanup(t, database.drop)
  const first = await startTestApp(t, { database })
  const { secret_key: key } = await createSecret(first.app, { secret: 'survives a restart' })
  await first.app.close()
  const second = await startTestApp(t, { database })
  const res = await second.app.inject({ method: 'GET', url: `/secret/${key}` })
  assert.equal(res.statusCode, 200)
  assert.equal(res.json().secret, 'survives a restart')
})

test('/readyz stays 503 while the process has not finished its own migration step, even when the schema is complete', async (t) => {
  const database = await createTestDatabase()
  onCleanup(t, database.drop)
  const first = await startTestApp(t, { database })
  await first.app.close()
  // Another process migrating holds the lock: this one waits for it, with the schema already at the latest version.
  const other = postgres({ host: database.env.POSTGRES_HOST, port: Number(database.env.POSTGRES_PORT), username: database.env.POSTGRES_USER, ...(database.env.POSTGRES_PASSWORD === undefined ? {} : { password: database.env.POSTGRES_PASSWORD }), database: database.env.POSTGRES_DB, max: 1, onnotice: () => {} })
  onCleanup(t, async () => { await other.end() })
  let second: TestApp | undefined
  await other.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`
    second = await startTestApp(t, { database, waitForDatabase: false })
    const ready = await second.app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(ready.statusCode, 503, 'not ready while the requests it would admit get 503')
    assert.equal((await second.app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x' } })).json().code, 'SERVICE_DATABASE_UNAVAILABLE')
  })
  await second?.app.databaseReady
  assert.equal((await second?.app.inject({ method: 'GET', url: '/readyz' }))?.statusCode, 200)
})

test('with PostgreSQL unreachable the host still starts: liveness 200, readiness and API 503 with Retry-After', async (t) => {
  const { app } = await startTestApp(t, { env: { POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: '1', POSTGRES_DB: 'none' }, waitForDatabase: false })
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  const ready = await app.inject({ method: 'GET', url: '/readyz' })
  assert.equal(ready.statusCode, 503)
  const create = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'x' } })
  assert.equal(create.statusCode, 503)
  assert.equal(create.json().code, 'SERVICE_DATABASE_UNAVAILABLE')
  assert.ok(Number(create.headers['retry-after']) > 0)
  assert.equal(app.isDatabaseReady(), false)
})
