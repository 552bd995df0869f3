// The command-line client, run as a user runs it (node cli/burnlink.ts) against a listening host.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { parseTtl } from '../cli/args.ts'
import { parseLink } from '../cli/link.ts'
import { explain } from '../cli/output.ts'
import { safeName } from '../cli/save.ts'
import { uploadFile } from '../cli/upload.ts'
import { sealFile } from '../web/src/zkfile.ts'
import { assertOneLine, run } from './cli-run.ts'
import { startTestApp, type TestApp, type TestAppOptions } from './helper.ts'

const LINK = /^(http:\/\/127\.0\.0\.1:\d+)\/s\/([A-Za-z0-9_-]{43})#([A-Za-z0-9_-]{43})$/

interface Server extends TestApp { base: string, cwd: string }

async function startServer (t: TestContext, options: TestAppOptions = {}): Promise<Server> {
  const testApp = await startTestApp(t, options)
  await testApp.app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = testApp.app.server.address() as AddressInfo
  return { ...testApp, base: `http://127.0.0.1:${port}`, cwd: mkdtempSync(join(tmpdir(), 'burnlink-cli-')) }
}

async function sendText (server: Server, text: string, args: string[] = []): Promise<string> {
  const sent = await run(['send', '--server', server.base, ...args], { input: text })
  assert.equal(sent.code, 0, sent.stderr)
  return sent.stdout.toString('utf8').trim()
}

async function countSecrets (server: Server): Promise<number> {
  const [row] = await server.app.sql<Array<{ n: number }>>`select count(*)::int as n from secret`
  return row?.n ?? -1
}

test('text piped to send comes back once from get, and a second get fails with a clear line and exit 3', async (t) => {
  const server = await startServer(t)
  const secret = 'db password: «Tr0ub4dor&3» 🔑\nsecond line\n'
  const sent = await run(['send', '--server', server.base], { input: secret })
  assert.equal(sent.code, 0, sent.stderr)
  const stdout = sent.stdout.toString('utf8')
  assert.match(stdout, /^\S+\n$/, 'the link alone on standard output')
  const link = stdout.trim()
  const match = LINK.exec(link)
  assert.ok(match, link)
  assert.equal(match[1], server.base)
  assert.match(sent.stderr, /read receipt .*\/r\/[A-Za-z0-9_-]{43}/, 'the receipt link goes to standard error')

  // Zero knowledge: the server holds a zk1 envelope, never the text, and never saw the key.
  const stored = await server.app.inject({ method: 'GET', url: `/secret/${match[2]}/status` })
  assert.equal(stored.json().kind ?? 'text', 'text')
  assert.ok(!server.logs.join('').includes(match[3] ?? ''), 'the fragment key never reaches the server')

  const got = await run(['get', link])
  assert.equal(got.code, 0, got.stderr)
  assert.equal(got.stdout.toString('utf8'), secret, 'the text exactly, no newline added')
  assert.equal(await countSecrets(server), 0)

  const again = await run(['get', link])
  assertOneLine(again, 3, /not available: it was already read, was deleted or has expired/)
  assert.equal(again.stdout.length, 0)
})

test('send --json prints link, receipt_link and expires_at, and --ttl takes units', async (t) => {
  const server = await startServer(t)
  const before = Date.now()
  const sent = await run(['send', '--server', server.base, '--json', '--ttl', '2h'], { input: 'json please' })
  assert.equal(sent.code, 0, sent.stderr)
  const lines = sent.stdout.toString('utf8').trimEnd().split('\n')
  assert.equal(lines.length, 1)
  const json = JSON.parse(lines[0] ?? '') as Record<string, string>
  assert.deepEqual(Object.keys(json).sort(), ['expires_at', 'link', 'receipt_link'])
  assert.match(json.link ?? '', LINK)
  assert.match(json.receipt_link ?? '', new RegExp(`^${server.base}/r/[A-Za-z0-9_-]{43}$`))
  const ttl = (Date.parse(json.expires_at ?? '') - before) / 1000
  assert.ok(ttl > 7000 && ttl <= 7210, `expires in about 2h, got ${ttl}s`)
  const receipt = await server.app.inject({ method: 'GET', url: new URL(json.receipt_link ?? '').pathname.replace('/r/', '/receipt/') })
  assert.equal(receipt.json().status, 'waiting', 'the receipt link is the web app\'s, and it works')
})

test('BURNLINK_URL names the server when --server is absent, and get uses the link\'s own server by default', async (t) => {
  const server = await startServer(t)
  const link = (await run(['send'], { input: 'from the env', env: { BURNLINK_URL: `${server.base}/` } })).stdout.toString('utf8').trim()
  assert.match(link, LINK)
  const got = await run(['get', link])
  assert.equal(got.stdout.toString('utf8'), 'from the env')
  assertOneLine(await run(['send'], { input: 'x' }), 2, /no server: give --server URL or set BURNLINK_URL/)
})

test('get -o writes the secret to a file, refuses an existing one before consuming it, and --force overwrites', async (t) => {
  const server = await startServer(t)
  const link = await sendText(server, 'to a file')
  const target = join(server.cwd, 'out.txt')
  writeFileSync(target, 'precious')
  assertOneLine(await run(['get', link, '-o', target]), 7, /out\.txt exists: not overwritten \(use --force\)/)
  assert.equal(readFileSync(target, 'utf8'), 'precious')
  assert.equal(await countSecrets(server), 1, 'the refusal consumed nothing')
  const forced = await run(['get', link, '-o', target, '--force'])
  assert.equal(forced.code, 0, forced.stderr)
  assert.equal(readFileSync(target, 'utf8'), 'to a file')
  assert.deepEqual(readdirSync(server.cwd), ['out.txt'], 'no temporary file is left behind')
})

test('a passphrase comes from BURNLINK_PASSPHRASE or standard input; a wrong one exits 4 and leaves the secret', async (t) => {
  const server = await startServer(t)
  // Without a terminal or BURNLINK_PASSPHRASE, send cannot ask while standard input is the secret.
  const refused = await run(['send', '--server', server.base, '--require-passphrase'], { input: 'gated' })
  assertOneLine(refused, 2, /no terminal to ask for the passphrase .* set BURNLINK_PASSPHRASE/)

  const gated = (await run(['send', '--server', server.base, '--require-passphrase'], { input: 'gated', env: { BURNLINK_PASSPHRASE: 'correct horse' } })).stdout.toString('utf8').trim()
  assert.match(gated, LINK)
  assertOneLine(await run(['get', gated], { input: 'wrong horse\n' }), 4, /passphrase is wrong; the secret is still there/)
  assert.equal(await countSecrets(server), 1)
  const got = await run(['get', gated], { input: 'correct horse\n' })
  assert.equal(got.code, 0, got.stderr)
  assert.equal(got.stdout.toString('utf8'), 'gated')
})

test('a 20 MiB file goes through send and get once, byte for byte, under its own name; a second get exits 3', async (t) => {
  const server = await startServer(t)
  const content = randomBytes(20 * 1024 * 1024)
  const source = join(mkdtempSync(join(tmpdir(), 'burnlink-src-')), 'backup 2026.tar.gz')
  writeFileSync(source, content)
  const sent = await run(['send', source, '--server', server.base])
  assert.equal(sent.code, 0, sent.stderr)
  const link = sent.stdout.toString('utf8').trim()
  const match = LINK.exec(link)
  assert.ok(match, link)
  const status = await server.app.inject({ method: 'GET', url: `/secret/${match[2]}/status` })
  assert.equal(status.json().kind, 'file')

  const got = await run(['get', link], { cwd: server.cwd })
  assert.equal(got.code, 0, got.stderr)
  assert.equal(got.stdout.length, 0, 'a file goes to disk, not to standard output')
  assert.match(got.stderr, /saved backup 2026\.tar\.gz \(20 MiB/)
  assert.ok(readFileSync(join(server.cwd, 'backup 2026.tar.gz')).equals(content), 'the same bytes')
  assert.deepEqual(readdirSync(server.cwd), ['backup 2026.tar.gz'], 'no temporary file is left behind')
  assertOneLine(await run(['get', link], { cwd: server.cwd }), 3, /not available/)
})

test('binary standard input goes as a file named stdin; a taken name gets a free one and is never overwritten', async (t) => {
  const server = await startServer(t)
  const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41])
  const links: string[] = []
  for (let i = 0; i < 2; i++) {
    const sent = await run(['send', '--server', server.base], { input: binary })
    assert.equal(sent.code, 0, sent.stderr)
    links.push(sent.stdout.toString('utf8').trim())
  }
  writeFileSync(join(server.cwd, 'stdin'), 'precious')
  const first = await run(['get', links[0] ?? ''], { cwd: server.cwd })
  assert.equal(first.code, 0, first.stderr)
  assert.match(first.stderr, /saved .*stdin \(1\)/)
  assert.equal(readFileSync(join(server.cwd, 'stdin'), 'utf8'), 'precious')
  assert.ok(readFileSync(join(server.cwd, 'stdin (1)')).equals(binary))
  const forced = await run(['get', links[1] ?? '', '--force'], { cwd: server.cwd })
  assert.equal(forced.code, 0, forced.stderr)
  assert.ok(readFileSync(join(server.cwd, 'stdin')).equals(binary), '--force overwrites')
})

test('a file whose name would act in the current directory is saved under a safe name; -o - writes it to stdout', async (t) => {
  const server = await startServer(t)
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-src-'))
  writeFileSync(join(dir, '.envrc'), 'export EVIL=1\n')
  const link = (await run(['send', join(dir, '.envrc'), '--server', server.base])).stdout.toString('utf8').trim()
  const got = await run(['get', link], { cwd: server.cwd })
  assert.equal(got.code, 0, got.stderr)
  assert.deepEqual(readdirSync(server.cwd), ['envrc'])
  assert.match(got.stderr, /the sender named it "\.envrc"/)

  const again = (await run(['send', join(dir, '.envrc'), '--server', server.base])).stdout.toString('utf8').trim()
  const piped = await run(['get', again, '-o', '-'], { cwd: server.cwd })
  assert.equal(piped.stdout.toString('utf8'), 'export EVIL=1\n')
})

test('a file over FILE_MAX_BYTES is refused before upload with a message naming the limit, and nothing is stored', async (t) => {
  const server = await startServer(t, { env: { FILE_MAX_BYTES: '100000' } })
  const source = join(mkdtempSync(join(tmpdir(), 'burnlink-src-')), 'big.bin')
  writeFileSync(source, randomBytes(100_000))
  const refused = await run(['send', source, '--server', server.base])
  assertOneLine(refused, 5, /big\.bin is too large: .* the server takes files up to 97\.7 KiB \(100,000 bytes\) \(FILE_MAX_BYTES\)/)
  assertOneLine(await run(['send', '--server', server.base], { input: randomBytes(100_001) }), 5, /standard input is too large: .*100,000 bytes/)
  assert.equal(await countSecrets(server), 0)
})

test('a file can require its passphrase: get without it exits 4 and leaves it, with it saves the file', async (t) => {
  const server = await startServer(t)
  const source = join(mkdtempSync(join(tmpdir(), 'burnlink-src-')), 'keys.pem')
  writeFileSync(source, '-----BEGIN PRIVATE KEY-----\n')
  const sent = await run(['send', source, '--server', server.base, '--require-passphrase'], { input: 'open sesame\n' })
  assert.equal(sent.code, 0, sent.stderr)
  const link = sent.stdout.toString('utf8').trim()
  assertOneLine(await run(['get', link], { cwd: server.cwd, input: 'open barley\n' }), 4, /passphrase is wrong; the secret is still there/)
  assert.equal(await countSecrets(server), 1)
  const got = await run(['get', link], { cwd: server.cwd, env: { BURNLINK_PASSPHRASE: 'open sesame' } })
  assert.equal(got.code, 0, got.stderr)
  assert.equal(readFileSync(join(server.cwd, 'keys.pem'), 'utf8'), '-----BEGIN PRIVATE KEY-----\n')
})

test('send --qr draws the link on standard error and leaves standard output to the link alone', async (t) => {
  const server = await startServer(t)
  const sent = await run(['send', '--server', server.base, '--qr'], { input: 'scan me' })
  assert.equal(sent.code, 0, sent.stderr)
  assert.match(sent.stdout.toString('utf8'), /^\S+\n$/)
  const rows = sent.stderr.split('\n').filter((line) => line.includes('\u001b[30;107m'))
  assert.ok(rows.length >= 20, `a QR code of ${rows.length} rows`)
  assert.ok(rows.filter((row) => /[█▀▄]/.test(row)).length >= rows.length - 4, 'modules in every row but the quiet zone')
})

test('an upload the server refuses (its own FILE_MAX_BYTES check) stops before the body, and the message names the limit', async (t) => {
  const server = await startServer(t, { env: { FILE_MAX_BYTES: '100000' } })
  const content = randomBytes(1024 * 1024)
  let read = 0
  const sealed = await sealFile({ name: 'big.bin', type: '' }, { size: content.length, read: async (start, end) => { read += end - start; return content.subarray(start, end) } })
  const err = await uploadFile(server.base, sealed, { ttlSeconds: undefined, passphrase: undefined, requirePassphrase: false }).then(() => undefined, (e: unknown) => e)
  const explained = explain(err)
  assert.equal(explained.exitCode, 5)
  assert.match(explained.message, /too large: .*100000 bytes/)
  assert.equal(read, 0, 'Expect: 100-continue: not a chunk was read, let alone sent')
  assert.equal(await countSecrets(server), 0)
})

test('user mistakes exit 2 with one line and no stack trace; every command has --help', async () => {
  assertOneLine(await run(['send', '--bogus']), 2, /Unknown option '--bogus' \(see burnlink send --help\)/)
  assertOneLine(await run(['frobnicate']), 2, /unknown command "frobnicate"/)
  assertOneLine(await run(['get']), 2, /get takes exactly one LINK/)
  assertOneLine(await run(['get', 'not a link']), 2, /not a Burnlink link/)
  assertOneLine(await run(['get', 'http://127.0.0.1:9/s/abc']), 2, /no valid key after "#"/)
  assertOneLine(await run(['send', '--server', 'ftp://x', '--ttl', '1h']), 2, /not an http\(s\) address/)
  assertOneLine(await run(['send', '--server', 'http://127.0.0.1:9', '--ttl', 'soon']), 2, /--ttl soon: give seconds/)
  assertOneLine(await run(['send', join(tmpdir(), 'no-such-file-here'), '--server', 'http://127.0.0.1:9']), 1, /cannot read .*: no such file/)
  assertOneLine(await run(['get', `http://127.0.0.1:9/s/${'A'.repeat(43)}#${'B'.repeat(43)}`]), 1, /could not be reached/)
  for (const args of [['--help'], ['help', 'send'], ['send', '--help'], ['get', '-h']]) {
    const help = await run(args)
    assert.equal(help.code, 0)
    assert.match(help.stdout.toString('utf8'), /^Usage: burnlink/)
  }
})

test('the helpers: durations, links under a path, and file names made safe', () => {
  assert.equal(parseTtl('3600'), 3600)
  assert.equal(parseTtl('90s'), 90)
  assert.equal(parseTtl('30m'), 1800)
  assert.equal(parseTtl('1h'), 3600)
  assert.equal(parseTtl('7d'), 604_800)
  assert.equal(parseTtl('2w'), 1_209_600)
  for (const bad of ['', '0', '-5', '1.5h', '1y', 'h']) assert.throws(() => parseTtl(bad), bad)
  assert.deepEqual(parseLink('https://example.com/burnlink/s/abc_-1#k'), { kind: 'secret', server: 'https://example.com/burnlink', secretKey: 'abc_-1', fragmentKey: 'k' })
  assert.deepEqual(parseLink('http://127.0.0.1:8080/s/abc'), { kind: 'secret', server: 'http://127.0.0.1:8080', secretKey: 'abc', fragmentKey: undefined })
  const cases: Record<string, string> = {
    'report.pdf': 'report.pdf',
    '../../etc/passwd': 'passwd',
    '..\\..\\Windows\\win.ini': 'win.ini',
    '.envrc': 'envrc',
    '..': 'burnlink-file',
    '': 'burnlink-file',
    '<img src=x onerror=alert(1)>.svg': '_img src=x onerror=alert(1)_.svg',
    'invoice\u202Efdp.exe': 'invoice_fdp.exe',
    'line\nbreak\u0000.txt': 'line_break_.txt',
    [`${'é'.repeat(300)}.tar.gz`]: `${'é'.repeat(98)}.gz`
  }
  for (const [name, safe] of Object.entries(cases)) assert.equal(safeName(name), safe, JSON.stringify(name))
})
