// IPv6 clients are grouped by their network (CLIENT_IPV6_PREFIX) for rate limits, passphrase locks
// and the hashed audit IP; IPv4, and IPv4 written as IPv6, stay one address per client.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { clientKey } from '../functions/_lib/platform/client-key.ts'
import { truncate } from '../functions/_lib/secrets/audit.ts'
import { createSecret, startTestApp } from './helper.ts'

const TRUSTED = { TRUST_PROXY: '127.0.0.1' }

test('the client key of an address is an IPv4 address as it is, or its IPv6 network', () => {
  assert.equal(clientKey('198.51.100.7', 64), '198.51.100.7')
  assert.equal(clientKey('::ffff:198.51.100.7', 64), '198.51.100.7', 'IPv4-mapped IPv6 is IPv4')
  assert.equal(clientKey('::FFFF:c633:6407', 64), '198.51.100.7', 'in hex too')
  assert.equal(clientKey('2001:db8:a:b:1:2:3:4', 64), '2001:db8:a:b::/64')
  assert.equal(clientKey('2001:0DB8:000A:000B::ffff', 64), '2001:db8:a:b::/64')
  assert.equal(clientKey('2001:db8:a:b:1:2:3:4', 48), '2001:db8:a::/48')
  assert.equal(clientKey('2001:db8:a:b:1:2:3:4', 56), '2001:db8:a::/56', 'bits past the prefix are cleared')
  assert.equal(clientKey('2001:db8:a:b:1:2:3:4', 128), '2001:db8:a:b:1:2:3:4/128')
  assert.equal(clientKey('fe80::1%eth0', 64), 'fe80::/64', 'a zone is not part of the network')
  assert.equal(clientKey('::1', 64), '::/64')
  assert.equal(clientKey('not an address', 64), undefined)
  assert.equal(truncate('2001:db8:a:b:1:2:3:4', 64), '2001:db8:a::', 'truncated keeps the /48 …')
  assert.equal(truncate('2001:db8:a:b:1:2:3:4', 32), '2001:db8::', '… or the client network when that is wider')
})

test('two IPv6 addresses in one /64 share a rate limit; another /64 and IPv4 addresses have their own', async (t) => {
  const { app } = await startTestApp(t, { env: { ...TRUSTED, RATE_LIMIT_CREATE_PER_MINUTE: '2' } })
  const create = async (ip: string) => (await app.inject({ method: 'POST', url: '/secret', headers: { 'x-forwarded-for': ip }, payload: { secret: 'x' } })).statusCode
  assert.equal(await create('2001:db8:1:1::a'), 201)
  assert.equal(await create('2001:db8:1:1:ffff:ffff:ffff:ffff'), 201)
  assert.equal(await create('2001:db8:1:1::b'), 429, 'the third create from the same /64 is over the limit')
  assert.equal(await create('2001:db8:1:2::a'), 201, 'the next /64 is another client')
  assert.equal(await create('198.51.100.1'), 201)
  assert.equal(await create('198.51.100.1'), 201)
  assert.equal(await create('::ffff:198.51.100.1'), 429, 'IPv4-mapped IPv6 is the same IPv4 client')
  assert.equal(await create('198.51.100.2'), 201, 'a neighbouring IPv4 address is another client')
})

test('CLIENT_IPV6_PREFIX=128 keeps every IPv6 address a client of its own', async (t) => {
  const { app } = await startTestApp(t, { env: { ...TRUSTED, RATE_LIMIT_CREATE_PER_MINUTE: '1', CLIENT_IPV6_PREFIX: '128' } })
  const create = async (ip: string) => (await app.inject({ method: 'POST', url: '/secret', headers: { 'x-forwarded-for': ip }, payload: { secret: 'x' } })).statusCode
  assert.equal(await create('2001:db8:1:1::a'), 201)
  assert.equal(await create('2001:db8:1:1::b'), 201)
  assert.equal(await create('2001:db8:1:1::a'), 429)
})

for (const mode of ['full', 'hashed', 'truncated']) {
  test(`with AUDIT_IP_MODE=${mode}, wrong passphrases from two addresses in one /64 lock them both, and not another /64`, async (t) => {
    const { app } = await startTestApp(t, {
      env: { ...TRUSTED, AUDIT_IP_MODE: mode, PASSPHRASE_MAX_FAILURES_PER_CLIENT: '2', PASSPHRASE_MAX_FAILURES_PER_SECRET: '10', RATE_LIMIT_DELETE_PER_MINUTE: '0' }
    })
    const { secret_key: key } = await createSecret(app, { secret: 'target', passphrase: 'right' })
    const del = async (ip: string, passphrase: string) =>
      (await app.inject({ method: 'DELETE', url: `/secret/${key}`, headers: { 'x-forwarded-for': ip, 'x-passphrase': passphrase } })).statusCode
    assert.equal(await del('2001:db8:5:5::1', 'guess'), 403)
    assert.equal(await del('2001:db8:5:5::2', 'guess'), 403)
    assert.equal(await del('2001:db8:5:5::3', 'guess'), 429, 'a third address in the /64 finds the lock its neighbours set')
    // Truncated mode keys locks on the /48 it stores, so the other network must differ there.
    assert.equal(await del('2001:db8:6:6::1', 'guess'), 403, 'another network is not locked')
  })
}

test('the hashed audit IP is one pseudonym per /64, and the full mode still records the full address', async (t) => {
  const hashed = await startTestApp(t, { env: { ...TRUSTED, AUDIT_IP_MODE: 'hashed' } })
  for (const ip of ['2001:db8:7:7::1', '2001:db8:7:7::2', '2001:db8:7:8::1']) {
    await hashed.app.inject({ method: 'POST', url: '/secret', headers: { 'x-forwarded-for': ip }, payload: { secret: 'x' } })
  }
  const hashes = (await hashed.app.sql<Array<{ client_ip_hash: string }>>`select client_ip_hash from audit_log order by id`).map((r) => r.client_ip_hash)
  assert.equal(hashes.length, 3)
  assert.equal(hashes[0], hashes[1])
  assert.notEqual(hashes[1], hashes[2])

  const full = await startTestApp(t, { env: { ...TRUSTED, AUDIT_IP_MODE: 'full' } })
  await full.app.inject({ method: 'POST', url: '/secret', headers: { 'x-forwarded-for': '2001:db8:7:7::1' }, payload: { secret: 'x' } })
  const [row] = await full.app.sql<Array<{ ip: string }>>`select host(client_ip) as ip from audit_log`
  assert.equal(row?.ip, '2001:db8:7:7::1')
})
