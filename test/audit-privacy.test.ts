// AUDIT_IP_MODE: full addresses, truncated networks, or daily keyed hashes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { truncate } from '../functions/_lib/secrets/audit.ts'
import { auditRows, startTestApp } from './helper.ts'

const create = { method: 'POST', url: '/secret', payload: { secret: 'x' } } as const

test('truncated mode keeps IPv4 /24 and IPv6 /48 networks', async (t) => {
  const { app } = await startTestApp(t, { env: { AUDIT_IP_MODE: 'truncated', TRUST_PROXY: '127.0.0.1' } })
  await app.inject({ ...create, headers: { 'x-forwarded-for': '203.0.113.9' } })
  await app.inject({ ...create, headers: { 'x-forwarded-for': '2001:db8:1234:5678::9' } })
  const rows = await auditRows(app)
  assert.deepEqual(rows.map((r) => r.client_ip), ['203.0.113.0', '2001:db8:1234::'])
  assert.equal(truncate('::ffff:198.51.100.7'), '198.51.100.0')
  assert.equal(truncate('::1'), '::')
})

test('hashed mode stores no address, only a keyed hash that is stable for the day', async (t) => {
  const { app } = await startTestApp(t, { env: { AUDIT_IP_MODE: 'hashed', TRUST_PROXY: '127.0.0.1' } })
  await app.inject({ ...create, headers: { 'x-forwarded-for': '203.0.113.9' } })
  await app.inject({ ...create, headers: { 'x-forwarded-for': '203.0.113.9' } })
  await app.inject({ ...create, headers: { 'x-forwarded-for': '203.0.113.10' } })
  const rows = await app.sql<{ client_ip: string | null, client_ip_hash: string | null }[]>`select host(client_ip) as client_ip, client_ip_hash from audit_log order by id`
  assert.ok(rows.every((r) => r.client_ip === null && /^[0-9a-f]{32}$/.test(r.client_ip_hash ?? '')))
  assert.equal(rows[0]?.client_ip_hash, rows[1]?.client_ip_hash)
  assert.notEqual(rows[1]?.client_ip_hash, rows[2]?.client_ip_hash)
  const dump = JSON.stringify(await app.sql`select * from audit_log`)
  assert.ok(!dump.includes('203.0.113'), 'no trace of the address')
})
