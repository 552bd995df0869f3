// The Lambda entry points, invoked with real API Gateway HTTP API (payload v2) events.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { Writable } from 'node:stream'
import { test, type TestContext } from 'node:test'
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda'
import postgres from 'postgres'
import { createLambdaEntry, type LambdaEntry } from '../functions/_host/lambda.ts'
import { loadConfig } from '../functions/_lib/platform/config.ts'
import { createTestDatabase, onCleanup, TEST_ENCRYPTION_KEY } from './helper.ts'

/** Lambda needs a PostgreSQL server: a database of the test server (the run's embedded cluster, or POSTGRES_HOST's). */
async function lambdaEnv (t: TestContext): Promise<Record<string, string>> {
  const database = await createTestDatabase()
  onCleanup(t, database.drop)
  return { ...database.env, ENCRYPTION_KEY: TEST_ENCRYPTION_KEY, POSTGRES_POOL_SIZE: '2', LOG_LEVEL: 'info' }
}

interface Invocation {
  routeKey: string
  path: string
  body?: unknown
  base64?: boolean
  pathParameters?: Record<string, string>
}

/** The event API Gateway sends for an HTTP API route, shaped as its documentation shows. */
function httpApiEvent ({ routeKey, path, body, base64 = false, pathParameters }: Invocation): APIGatewayProxyEventV2 {
  const method = routeKey.split(' ')[0] ?? 'GET'
  const text = body === undefined ? undefined : JSON.stringify(body)
  const now = new Date()
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers: {
      accept: 'application/json',
      'content-length': text === undefined ? '0' : String(Buffer.byteLength(text)),
      ...(text === undefined ? {} : { 'content-type': 'application/json' }),
      host: 'abc123.execute-api.eu-west-1.amazonaws.com',
      'user-agent': 'curl/8.5.0',
      'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678',
      'x-forwarded-for': '198.51.100.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https'
    },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'curl/8.5.0' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime()
    },
    ...(pathParameters === undefined ? {} : { pathParameters }),
    ...(text === undefined ? {} : { body: base64 ? Buffer.from(text).toString('base64') : text }),
    isBase64Encoded: base64
  }
}

const context = { callbackWaitsForEmptyEventLoop: true, functionName: 'burnlink', awsRequestId: randomUUID() } as unknown as Context

function entry (t: TestContext, selection: string, env: Record<string, string>, logs: string[]): LambdaEntry {
  const logStream = new Writable({ write (chunk: Buffer, _encoding, done) { logs.push(chunk.toString('utf8')); done() } })
  const created = createLambdaEntry(selection, { env, logStream })
  onCleanup(t, created.close)
  return created
}

function json (body: string | undefined): Record<string, unknown> {
  return JSON.parse(body ?? 'null') as Record<string, unknown>
}

test('each function handler serves its route: create, read once, read again gets 404, delete', async (t) => {
  const env = await lambdaEnv(t)
  const logs: string[] = []
  const createSecret = entry(t, 'create-secret', env, logs).handler
  const readSecret = entry(t, 'read-secret', env, logs).handler
  const deleteSecret = entry(t, 'delete-secret', env, logs).handler

  // API Gateway base64-encodes bodies it does not recognise as text; both forms must work.
  const created = await createSecret(httpApiEvent({ routeKey: 'POST /secret', path: '/secret', body: { secret: 'lambda 🔑', ttl_seconds: 600 }, base64: true }), context)
  assert.equal(created.statusCode, 201, created.body)
  assert.equal(created.headers?.['cache-control'], 'no-cache, no-store, must-revalidate')
  const key = String(json(created.body).secret_key)
  const readEvent = (): APIGatewayProxyEventV2 => httpApiEvent({ routeKey: 'GET /secret/{secret_key}', path: `/secret/${key}`, pathParameters: { secret_key: key } })

  const first = await readSecret(readEvent(), context)
  assert.equal(first.statusCode, 200)
  assert.deepEqual(json(first.body), { secret: 'lambda 🔑' })
  const again = await readSecret(readEvent(), context)
  assert.equal(again.statusCode, 404)
  assert.equal(json(again.body).code, 'SECRET_NOT_FOUND')

  const other = await createSecret(httpApiEvent({ routeKey: 'POST /secret', path: '/secret', body: { secret: 'to delete' } }), context)
  const otherKey = String(json(other.body).secret_key)
  const deleted = await deleteSecret(httpApiEvent({ routeKey: 'DELETE /secret/{secret_key}', path: `/secret/${otherKey}`, pathParameters: { secret_key: otherKey } }), context)
  assert.equal(deleted.statusCode, 200, deleted.body)
  assert.deepEqual(json(deleted.body), { status: 'secret_deleted' })
  const afterDelete = await readSecret(httpApiEvent({ routeKey: 'GET /secret/{secret_key}', path: `/secret/${otherKey}`, pathParameters: { secret_key: otherKey } }), context)
  assert.equal(afterDelete.statusCode, 404)

  // The audit log records API Gateway's sourceIp, and no log line carries a key.
  const db = loadConfig(env).database
  const sql = postgres({ host: db.host ?? '', port: db.port, database: db.database, username: db.user, ...(db.password === undefined ? {} : { password: db.password }), max: 1, onnotice: () => {} })
  onCleanup(t, async () => { await sql.end() })
  const audit = await sql<{ event: string, client_ip: string }[]>`select event, host(client_ip) as client_ip from audit_log order by id`
  assert.deepEqual(audit.map((row) => row.event), ['created', 'revealed', 'created', 'deleted'])
  assert.ok(audit.every((row) => row.client_ip === '198.51.100.7'))
  assert.ok(logs.some((line) => line.includes('/secret/:secret_key')), 'requests are logged by route pattern')
  for (const secretKey of [key, otherKey]) assert.ok(!logs.some((line) => line.includes(secretKey)), 'a log line contains a secret key')
})

test('the status and receipt handlers follow a secret from waiting to revealed', async (t) => {
  const env = await lambdaEnv(t)
  const createSecret = entry(t, 'create-secret', env, []).handler
  const readSecret = entry(t, 'read-secret', env, []).handler
  const secretStatus = entry(t, 'secret-status', env, []).handler
  const readReceipt = entry(t, 'read-receipt', env, []).handler
  const created = json((await createSecret(httpApiEvent({ routeKey: 'POST /secret', path: '/secret', body: { secret: 'tracked' } }), context)).body)
  const key = String(created.secret_key)
  const receiptKey = String(created.receipt_key)
  const status = (): APIGatewayProxyEventV2 => httpApiEvent({ routeKey: 'GET /secret/{secret_key}/status', path: `/secret/${key}/status`, pathParameters: { secret_key: key } })
  const receipt = (): APIGatewayProxyEventV2 => httpApiEvent({ routeKey: 'GET /receipt/{receipt_key}', path: `/receipt/${receiptKey}`, pathParameters: { receipt_key: receiptKey } })

  assert.equal(json((await secretStatus(status(), context)).body).status, 'waiting')
  assert.equal(json((await readReceipt(receipt(), context)).body).status, 'waiting')
  const read = await readSecret(httpApiEvent({ routeKey: 'GET /secret/{secret_key}', path: `/secret/${key}`, pathParameters: { secret_key: key } }), context)
  assert.deepEqual(json(read.body), { secret: 'tracked' })
  assert.equal((await secretStatus(status(), context)).statusCode, 404)
  const after = json((await readReceipt(receipt(), context)).body)
  assert.equal(after.status, 'revealed')
  assert.equal(after.revealed_by_ip, '198.51.100.7', 'the reader is API Gateway\'s sourceIp')
})

test('a function handler answers only its own route, like a separately deployed function', async (t) => {
  const env = await lambdaEnv(t)
  const readSecret = entry(t, 'read-secret', env, []).handler
  const res = await readSecret(httpApiEvent({ routeKey: 'POST /secret', path: '/secret', body: { secret: 'x' } }), context)
  assert.equal(res.statusCode, 404)
  assert.equal(json(res.body).code, 'ROUTE_NOT_FOUND')
  const health = await readSecret(httpApiEvent({ routeKey: 'GET /readyz', path: '/readyz' }), context)
  assert.equal(health.statusCode, 200)
  assert.equal(json(health.body).status, 'ready')
})

test('a Lambda handler refuses to start without ENCRYPTION_KEY or POSTGRES_HOST', async (t) => {
  const env = await lambdaEnv(t)
  const event = httpApiEvent({ routeKey: 'GET /healthz', path: '/healthz' })
  const { ENCRYPTION_KEY: _key, ...withoutKey } = env
  await assert.rejects(entry(t, 'read-secret', withoutKey, []).handler(event, context), /ENCRYPTION_KEY .*required on Lambda/)
  const { POSTGRES_HOST: _host, ...withoutHost } = env
  await assert.rejects(entry(t, 'read-secret', withoutHost, []).handler(event, context), /POSTGRES_HOST is required on Lambda/)
})
