// Each request's log lines carry its request id, and the redaction covers them as it covers the rest.
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import Fastify, { LogController } from 'fastify'
import { pino } from 'pino'
import { loggerOptions, requestChildLogger } from '../functions/_lib/platform/log.ts'
import { createSecret, startTestApp } from './helper.ts'

function capture (): { lines: () => Array<Record<string, unknown>>, stream: Writable } {
  const chunks: string[] = []
  const stream = new Writable({ write (chunk: Buffer, _encoding, done) { chunks.push(chunk.toString('utf8')); done() } })
  return { stream, lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) }
}

test('every "request completed" line carries the X-Request-Id of its response (docs/administration.md)', async (t) => {
  const { app, logs } = await startTestApp(t)
  const created = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 's' } })
  const key = created.json<{ secret_key: string }>().secret_key
  const read = await app.inject({ method: 'GET', url: `/secret/${key}` })
  const missing = await app.inject({ method: 'GET', url: '/nowhere' })
  const completed = logs.join('').split('\n').filter((l) => l.includes('request completed')).map((l) => JSON.parse(l) as { reqId?: string, route: string })
  for (const res of [created, read, missing]) {
    const id = res.headers['x-request-id']
    assert.equal(typeof id, 'string')
    assert.equal(completed.filter((line) => line.reqId === id).length, 1, `one line for request ${String(id)}`)
  }
  await createSecret(app, { secret: 'other' })
  const startLines = logs.join('').split('\n').filter((l) => l !== '' && !l.includes('request completed'))
  for (const line of startLines) assert.equal((JSON.parse(line) as { reqId?: string }).reqId, undefined, `a line not about a request has no reqId: ${line}`)
})

test('a request\'s logger (and its own children) add the request id and keep the redaction; a route\'s log level holds', async () => {
  const { stream, lines } = capture()
  const app = Fastify({ loggerInstance: pino(loggerOptions('info'), stream), logController: new LogController({ disableRequestLogging: true }), childLoggerFactory: requestChildLogger, genReqId: () => 'req-1' })
  app.get('/', async (request) => {
    request.log.info({ secret: 'S3CRET', nested: { passphrase: 'PASS' } }, 'handler line')
    request.log.child({ part: 'inner' }).warn('child line')
    return {}
  })
  app.get('/quiet', { logLevel: 'warn' }, async (request) => {
    request.log.info('suppressed')
    request.log.warn('kept')
    return {}
  })
  await app.inject({ method: 'GET', url: '/' })
  await app.inject({ method: 'GET', url: '/quiet' })
  await app.close()
  const [handler, child, kept, ...rest] = lines()
  assert.deepEqual(rest, [])
  assert.equal(handler?.reqId, 'req-1')
  assert.equal(handler?.secret, '[redacted]')
  assert.deepEqual(handler?.nested, { passphrase: '[redacted]' })
  assert.equal(child?.reqId, 'req-1')
  assert.equal(child?.part, 'inner')
  assert.equal(kept?.msg, 'kept')
  assert.equal(kept?.reqId, 'req-1')
})
