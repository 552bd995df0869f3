// GET /metrics: counters follow the API's outcomes, labels are route patterns, the token guards it.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { PgBoss } from 'pg-boss'
import { PURGE_QUEUE } from '../functions/purge-expired.ts'
import type { App } from '../functions/_lib/platform/http-function.ts'
import { createSecret, startTestApp } from './helper.ts'

const TOKEN = 'scrape-me-7f3a'
const WITH_TOKEN = { env: { METRICS_TOKEN: TOKEN } }

async function scrape (app: App, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers })
  assert.equal(res.statusCode, 200, res.body)
  return res.body
}

/** The value of one sample, e.g. sample(text, 'burnlink_secrets_created_total'); undefined if absent. */
function sample (text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

test('GET /metrics counts created, revealed and deleted secrets and the secrets stored now', async (t) => {
  const { app } = await startTestApp(t, WITH_TOKEN)
  // No scrape before: the database figures of a scrape are reused by the next ones for a while.
  const keys = []
  for (let i = 0; i < 3; i++) keys.push((await createSecret(app, { secret: `s${i}` })).secret_key)
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${keys[0]}` })).statusCode, 200)
  // A second read is a 404: it must not count as a reveal.
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${keys[0]}` })).statusCode, 404)
  assert.equal((await app.inject({ method: 'DELETE', url: `/secret/${keys[1]}` })).statusCode, 200)

  const after = await scrape(app)
  assert.equal(sample(after, 'burnlink_secrets_created_total'), 3)
  assert.equal(sample(after, 'burnlink_secrets_revealed_total'), 1)
  assert.equal(sample(after, 'burnlink_secrets_deleted_total'), 1)
  assert.equal(sample(after, 'burnlink_secrets_stored'), 1)
  assert.equal(sample(after, 'burnlink_database_pool_max'), 5)
  assert.equal(sample(after, 'burnlink_metrics_database_errors_total'), 0)
})

test('GET /metrics labels requests by route pattern, and no secret key appears in its output', async (t) => {
  const { app } = await startTestApp(t, WITH_TOKEN)
  const { secret_key: key } = await createSecret(app, { secret: 'label me' })
  await app.inject({ method: 'GET', url: `/secret/${key}` })
  await app.inject({ method: 'GET', url: `/secret/${key}` })
  await app.inject({ method: 'GET', url: '/no/such/route' })
  const text = await scrape(app)

  assert.equal(sample(text, 'burnlink_http_requests_total{method="POST",route="/secret",status_code="201"}'), 1)
  assert.equal(sample(text, 'burnlink_http_requests_total{method="GET",route="/secret/:secret_key",status_code="200"}'), 1)
  assert.equal(sample(text, 'burnlink_http_requests_total{method="GET",route="/secret/:secret_key",status_code="404"}'), 1)
  assert.equal(sample(text, 'burnlink_http_requests_total{method="GET",route="(no route)",status_code="404"}'), 1)
  assert.equal(sample(text, 'burnlink_http_request_duration_seconds_count{method="GET",route="/secret/:secret_key",status_code="200"}'), 1)
  assert.ok(!text.includes(key), 'the secret key must not appear in /metrics')
  assert.ok(!text.includes('/no/such/route'), 'raw URLs must not become labels')
  const routes = new Set([...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]))
  assert.deepEqual([...routes].sort(), ['(no route)', '/secret', '/secret/:secret_key'])
})

test('GET /metrics is served without caching and is not in the OpenAPI document', async (t) => {
  const { app } = await startTestApp(t, WITH_TOKEN)
  const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })
  assert.equal(res.statusCode, 200)
  assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  assert.equal(res.headers['cache-control'], 'no-cache, no-store, must-revalidate')
  assert.match(res.body, /^# HELP /m)
  assert.match(res.body, /^process_cpu_user_seconds_total /m)
  const openapi = await app.inject({ method: 'GET', url: '/openapi.json' })
  assert.equal(openapi.statusCode, 200)
  assert.ok(!Object.keys(openapi.json<{ paths: Record<string, unknown> }>().paths).includes('/metrics'))
})

test('with METRICS_TOKEN set, /metrics answers 401 without the bearer token, 403 with a wrong one', async (t) => {
  const { app } = await startTestApp(t, { env: { METRICS_TOKEN: 'scrape-me-7f3a' } })
  const missing = await app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(missing.statusCode, 401)
  assert.equal(missing.headers['www-authenticate'], 'Bearer realm="metrics"')
  assert.equal(missing.headers['cache-control'], 'no-cache, no-store, must-revalidate')
  assert.deepEqual(missing.json(), { statusCode: 401, code: 'METRICS_TOKEN_REQUIRED', error: 'Unauthorized', message: 'GET /metrics needs the header Authorization: Bearer <METRICS_TOKEN>' })

  const wrong = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-me-7f3b' } })
  assert.equal(wrong.statusCode, 403)
  assert.equal(wrong.json().code, 'METRICS_TOKEN_WRONG')
  const basic = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Basic c2NyYXBlOm1l' } })
  assert.equal(basic.statusCode, 401)

  const text = await scrape(app)
  assert.match(text, /^burnlink_secrets_stored 0$/m)
  // Refused scrapes are still requests, counted under their pattern.
  assert.equal(sample(text, 'burnlink_http_requests_total{method="GET",route="/metrics",status_code="401"}'), 2)
})

test('without METRICS_TOKEN, /metrics is not served: the counts tell anyone when secrets are revealed', async (t) => {
  const { app } = await startTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  assert.equal(res.statusCode, 404)
  assert.equal(res.json().code, 'ROUTE_NOT_FOUND')
})

test('a scrape reuses the database figures of the last one for a while, so scrapes stay cheap', async (t) => {
  const { app } = await startTestApp(t, WITH_TOKEN)
  assert.equal(sample(await scrape(app), 'burnlink_secrets_stored'), 0)
  await createSecret(app, { secret: 'one more' })
  const [next, concurrent] = await Promise.all([scrape(app), scrape(app)])
  assert.equal(sample(next, 'burnlink_secrets_stored'), 0, 'not read again at once')
  assert.equal(sample(concurrent, 'burnlink_secrets_stored'), 0)
  assert.equal(sample(next, 'burnlink_secrets_created_total'), 1, 'the process\'s own counters are live')
})

test('the purge job run by the worker counts expired secrets in burnlink_secrets_expired_total', async (t) => {
  const { app } = await startTestApp(t, { runWorker: true, env: { SECRET_MIN_TTL_SECONDS: '1', METRICS_TOKEN: TOKEN } })
  await createSecret(app, { secret: 'gone soon', ttl_seconds: 1 })
  await createSecret(app, { secret: 'gone soon too', ttl_seconds: 1 })
  await sleep(1100)
  assert.equal(sample(await scrape(app), 'burnlink_purge_last_run_timestamp_seconds'), 0)

  // Run the purge now rather than at the next minute: a job on its queue, as the schedule sends.
  const db = app.database
  const boss = new PgBoss({ host: db.host, port: db.port, database: db.database, user: db.user, ...(db.password === undefined ? {} : { password: db.password }), max: 1 })
  await boss.start()
  // Idempotent; the worker may still be starting, and a queue must exist before a send.
  await boss.createQueue(PURGE_QUEUE)
  await boss.send(PURGE_QUEUE, null)
  await boss.stop({ graceful: false })

  let text = ''
  // The worker polls every 15 s.
  for (let i = 0; i < 40; i++) {
    text = await scrape(app)
    if ((sample(text, 'burnlink_secrets_expired_total') ?? 0) > 0) break
    await sleep(500)
  }
  assert.equal(sample(text, 'burnlink_secrets_expired_total'), 2)
  assert.ok((sample(text, 'burnlink_purge_last_run_timestamp_seconds') ?? 0) > Date.now() / 1000 - 60)
  // burnlink_secrets_stored is not checked here: the first scrape's figure is reused for a while.
  assert.match(text, /^burnlink_jobs\{queue="purge-expired",state="queued"\} \d+$/m)
})
