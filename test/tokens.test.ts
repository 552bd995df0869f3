// API tokens end to end: CREATORS=signed-in, `npm run tokens`, HTTP and the CLI with BURNLINK_TOKEN.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { promisify } from 'node:util'
import { run } from './cli-run.ts'
import { auditRows, startTestApp } from './helper.ts'

const execFileAsync = promisify(execFile)
const TOKENS = new URL('../scripts/tokens.ts', import.meta.url).pathname

async function tokens (env: Record<string, string>, ...args: string[]): Promise<{ stdout: string, stderr: string }> {
  return await execFileAsync(process.execPath, [TOKENS, ...args], { env: { PATH: process.env.PATH ?? '', ...env } })
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

test('with CREATORS=signed-in a token from npm run tokens creates by HTTP and by the CLI, anyone reads once, and revoke ends it at once', async (t) => {
  const { app, env } = await startTestApp(t, { env: { CREATORS: 'signed-in' } })

  const anonymous = await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'nope' } })
  assert.equal(anonymous.statusCode, 401)
  assert.equal(anonymous.json<{ code: string }>().code, 'AUTH_REQUIRED')
  const anonymousFile = await app.inject({ method: 'POST', url: '/file', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('x') })
  assert.equal(anonymousFile.json<{ code: string }>().code, 'AUTH_REQUIRED')
  assert.equal((await app.inject({ method: 'POST', url: '/secret', headers: bearer('blt_guessed'), payload: { secret: 'nope' } })).json<{ code: string }>().code, 'AUTH_TOKEN_INVALID')

  const created = await tokens(env, 'create', '--name', 'deploy-bot')
  const token = created.stdout.trimEnd()
  assert.match(created.stdout, /^blt_[A-Za-z0-9_-]{43}\n$/, 'the token alone on standard output')
  assert.doesNotMatch(created.stderr, /blt_/)

  const res = await app.inject({ method: 'POST', url: '/secret', headers: bearer(token), payload: { secret: 'made by a script' } })
  assert.equal(res.statusCode, 201, res.body)
  const { secret_key: key } = res.json<{ secret_key: string }>()
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}` })).json<{ secret: string }>().secret, 'made by a script')
  assert.equal((await app.inject({ method: 'GET', url: `/secret/${key}` })).statusCode, 404)
  const createdRow = (await auditRows(app)).find((row) => row.event === 'created')
  assert.equal(typeof createdRow?.details.api_token_id, 'string', 'the audit row names the token')

  await app.listen({ port: 0, host: '127.0.0.1' })
  const server = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const refused = await run(['send', '--server', server], { input: 'from the cli' })
  assert.equal(refused.code, 1)
  assert.match(refused.stderr, /BURNLINK_TOKEN/)
  const sent = await run(['send', '--server', server], { input: 'from the cli', env: { BURNLINK_TOKEN: token } })
  assert.equal(sent.code, 0, sent.stderr)
  const link = sent.stdout.toString().trim()
  const got = await run(['get', link])
  assert.equal(got.code, 0, got.stderr)
  assert.equal(got.stdout.toString(), 'from the cli')
  // burnlink request creates too: the same token makes it, and without one it is refused the same way.
  assert.match((await run(['request', '--server', server])).stderr, /BURNLINK_TOKEN/)
  const asked = await run(['request', '--server', server, '--json'], { env: { BURNLINK_TOKEN: token } })
  assert.equal(asked.code, 0, asked.stderr)
  assert.match(JSON.parse(asked.stdout.toString()).request_link as string, /\/ask\//)

  const listed = await tokens(env, 'list')
  assert.match(listed.stdout, /^deploy-bot\t\(operator\)\t\S+\t20\S+\t-$/m, 'listed with a last-used time, not revoked')
  assert.doesNotMatch(listed.stdout, /blt_/)

  await tokens(env, 'revoke', '--name', 'deploy-bot')
  const after = await app.inject({ method: 'POST', url: '/secret', headers: bearer(token), payload: { secret: 'too late' } })
  assert.equal(after.statusCode, 401)
  assert.equal(after.json<{ code: string }>().code, 'AUTH_TOKEN_INVALID')
  assert.match((await tokens(env, 'list')).stdout, /^deploy-bot\t\(operator\)\t\S+\t\S+\t20\S+$/m)

  // What a dump holds: every table's rows as text. The token appears in none of them.
  const tables = await app.sql<Array<{ name: string }>>`select tablename as name from pg_tables where schemaname = 'public'`
  for (const { name } of tables) {
    const rows = await app.sql`select t::text as row from ${app.sql(name)} t`
    const dump = rows.map((r) => String(r.row)).join('\n')
    assert.ok(!dump.includes(token) && !dump.includes(token.slice(4)) && !dump.includes(Buffer.from(token).toString('hex')), `table ${name} holds no token`)
  }
})

test('where anyone may create, a create without credentials still works and a revoked token is refused rather than ignored', async (t) => {
  const { app, env } = await startTestApp(t)
  assert.equal((await app.inject({ method: 'POST', url: '/secret', payload: { secret: 'open door' } })).statusCode, 201)
  const token = (await tokens(env, 'create', '--name', 'ci')).stdout.trimEnd()
  await tokens(env, 'revoke', '--name', 'ci')
  assert.equal((await app.inject({ method: 'POST', url: '/secret', headers: bearer(token), payload: { secret: 'x' } })).statusCode, 401)
})

test('npm run tokens refuses a second live token of the same name and a revoke of an unknown one', async (t) => {
  const { env } = await startTestApp(t)
  await tokens(env, 'create', '--name', 'twin')
  await assert.rejects(tokens(env, 'create', '--name', 'twin'), (err: { code: number, stderr: string, stdout: string }) => err.code === 1 && /already named "twin"/.test(err.stderr) && err.stdout === '')
  await assert.rejects(tokens(env, 'revoke', '--name', 'ghost'), (err: { code: number, stderr: string }) => err.code === 1 && /no live operator token/.test(err.stderr))
})
