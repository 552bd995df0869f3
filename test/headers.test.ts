// Every kind of response forbids caching and sniffing: success, errors, 404s, docs, health.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSecret, startTestApp } from './helper.ts'

const REQUIRED = {
  'cache-control': 'no-cache, no-store, must-revalidate',
  pragma: 'no-cache',
  expires: '0',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin'
}

test('security and no-cache headers are on every kind of response', async (t) => {
  const { app } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'h' })
  const requests = [
    { name: 'create 201', method: 'POST', url: '/secret', payload: { secret: 'x' } },
    { name: 'read 200', method: 'GET', url: `/secret/${key}` },
    { name: 'read 404', method: 'GET', url: `/secret/${key}` },
    { name: 'delete 404', method: 'DELETE', url: `/secret/${key}` },
    { name: 'validation 400', method: 'POST', url: '/secret', payload: { secret: 1 } },
    { name: 'malformed JSON 400', method: 'POST', url: '/secret', headers: { 'content-type': 'application/json' }, payload: '{' },
    { name: '415', method: 'POST', url: '/secret', headers: { 'content-type': 'text/plain' }, payload: 'x' },
    { name: '413', method: 'POST', url: '/secret', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ secret: 'x'.repeat(500_000) }) },
    { name: 'unknown route 404', method: 'GET', url: '/nope' },
    { name: 'wrong method 404', method: 'PUT', url: '/secret' },
    { name: 'docs page', method: 'GET', url: '/docs' },
    { name: 'docs asset', method: 'GET', url: '/docs/static/swagger-ui.css' },
    { name: 'openapi', method: 'GET', url: '/openapi.json' },
    { name: 'healthz', method: 'GET', url: '/healthz' },
    { name: 'readyz', method: 'GET', url: '/readyz' }
  ] as const
  for (const request of requests) {
    const res = await app.inject(request)
    assert.ok(res.statusCode < 500, `${request.name}: status ${res.statusCode}`)
    for (const [name, value] of Object.entries(REQUIRED)) {
      assert.equal(res.headers[name], value, `${request.name}: ${name}`)
    }
    assert.equal(res.headers.server, undefined, `${request.name}: no Server header`)
    assert.equal(res.headers['x-powered-by'], undefined, `${request.name}: no X-Powered-By header`)
    const csp = String(res.headers['content-security-policy'])
    assert.match(csp, /default-src 'none'/, `${request.name}: CSP`)
    assert.match(csp, /frame-ancestors 'none'/, `${request.name}: CSP`)
    if (!request.url.startsWith('/docs')) assert.equal(csp, "default-src 'none'; frame-ancestors 'none'", `${request.name}: strict CSP for JSON`)
    else assert.doesNotMatch(csp, /https?:|unsafe-eval/, `${request.name}: the docs CSP allows only this host`)
    if (res.statusCode >= 400) {
      const body = res.json()
      assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], `${request.name}: error shape`)
      assert.equal(body.statusCode, res.statusCode)
    }
  }
})

test('the unknown-route 404 does not echo the URL (it may hold a key)', async (t) => {
  const { app } = await startTestApp(t)
  const res = await app.inject({ method: 'GET', url: '/secrets/SOMEKEYTHATMUSTNOTECHO' })
  assert.equal(res.statusCode, 404)
  assert.equal(res.json().code, 'ROUTE_NOT_FOUND')
  assert.ok(!res.body.includes('SOMEKEYTHATMUSTNOTECHO'))
})
