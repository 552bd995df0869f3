// The rules an identity from the OpenID provider must meet, and the sign-in configuration.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { admit } from '../functions/_lib/accounts/oidc.ts'
import { ConfigError, loadConfig } from '../functions/_lib/platform/config.ts'

const SIGN_IN = { OIDC_ISSUER: 'https://idp.example.com', OIDC_CLIENT_ID: 'burnlink', OIDC_CLIENT_SECRET: 's', PUBLIC_URL: 'https://burnlink.example.com' }

test('a required group is read from the configured claim, and a user without it is refused', () => {
  const oidc = loadConfig({ ...SIGN_IN, OIDC_REQUIRED_GROUP: 'burnlink-users', OIDC_GROUPS_CLAIM: 'roles' }).accounts.oidc
  assert.ok(oidc)
  assert.equal(admit(oidc, { email: 'A@Example.com', email_verified: true, roles: ['burnlink-users'] }), 'a@example.com')
  assert.throws(() => admit(oidc, { email: 'a@example.com', email_verified: true, roles: ['staff'] }), /not in the group/)
  assert.throws(() => admit(oidc, { email: 'a@example.com', email_verified: true, groups: ['burnlink-users'] }), /not in the group/)
})

test('an email that is missing, or verified only as a string, is refused', () => {
  const oidc = loadConfig(SIGN_IN).accounts.oidc
  assert.ok(oidc)
  assert.throws(() => admit(oidc, { email_verified: true }), /email/)
  assert.throws(() => admit(oidc, { email: 'a@example.com', email_verified: 'true' }), /not verified/)
})

test('OIDC_ISSUER without its client or PUBLIC_URL stops start-up naming the missing variable', () => {
  assert.throws(() => loadConfig({ ...SIGN_IN, PUBLIC_URL: '' }), (err: unknown) => err instanceof ConfigError && /needs PUBLIC_URL/.test(err.message))
  assert.throws(() => loadConfig({ ...SIGN_IN, OIDC_CLIENT_SECRET: '' }), (err: unknown) => err instanceof ConfigError && /needs OIDC_CLIENT_SECRET/.test(err.message))
  assert.equal(loadConfig({}).accounts.creators, 'anyone')
})
