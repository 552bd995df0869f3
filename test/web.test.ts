// The web app as served by the host: pages, CSP, language choice, and no read on a preview's fetch.
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { tmpdir } from 'node:os'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import pino from 'pino'
import { PAGE_CSP, pickLanguage, registerWeb, WEB_DIST } from '../functions/_host/web.ts'
import type { App } from '../functions/_lib/platform/http-function.ts'
import { auditRows, createSecret, startTestApp } from './helper.ts'

// `npm test` builds web/dist first (pretest); a lone `node --test test/web.test.ts` needs `npm run build`.
const NOT_BUILT = existsSync(join(WEB_DIST, 'create.en.html')) ? false : 'web/dist is missing: run `npm run build` first'

const PREVIEW_BOTS = [
  'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  'Twitterbot/1.0',
  'facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)',
  'WhatsApp/2.23.20.0 A',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0 (Teams, Outlook SafeLinks)',
  'TelegramBot (like TwitterBot)',
  'Discordbot/2.0; +https://discordapp.com',
  'curl/8.5.0'
]

test('link previews (GET and HEAD of the reveal link, any user agent) leave the secret in place', { skip: NOT_BUILT }, async (t) => {
  const { app } = await startTestApp(t)
  const { secret_key: key } = await createSecret(app, { secret: 'zk1:still-here' })
  for (const ua of PREVIEW_BOTS) {
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await app.inject({ method, url: `/s/${key}`, headers: { 'user-agent': ua, accept: 'text/html,*/*' } })
      assert.equal(res.statusCode, 200, `${method} by ${ua}`)
      assert.match(String(res.headers['content-type']), /^text\/html/)
      assert.ok(!res.body.includes(key), 'the page is the same for every key: it does not even echo it')
    }
  }
  assert.deepEqual((await auditRows(app)).map((row) => row.event), ['created'])
  const read = await app.inject({ method: 'GET', url: `/secret/${key}` })
  assert.equal(read.statusCode, 200)
  assert.equal(read.json().secret, 'zk1:still-here')
})

test('every page and asset carries the strict Content-Security-Policy and the no-cache headers', { skip: NOT_BUILT }, async (t) => {
  const { app } = await startTestApp(t)
  const assets = readdirSync(join(WEB_DIST, 'assets')).map((name) => `/assets/${name}`)
  for (const url of ['/', `/s/${'A'.repeat(43)}`, `/r/${'B'.repeat(43)}`, '/config.json', ...assets]) {
    const res = await app.inject({ method: 'GET', url })
    assert.equal(res.statusCode, 200, url)
    assert.equal(res.headers['content-security-policy'], PAGE_CSP, url)
    assert.equal(res.headers['cache-control'], 'no-cache, no-store, must-revalidate', url)
    assert.equal(res.headers['x-frame-options'], 'DENY', url)
  }
  assert.match(PAGE_CSP, /script-src 'self';/)
  assert.doesNotMatch(PAGE_CSP, /unsafe-inline|unsafe-eval|https?:/)
  const js = await app.inject({ method: 'GET', url: '/assets/create.js' })
  assert.match(String(js.headers['content-type']), /^(application|text)\/javascript/)
  const css = await app.inject({ method: 'GET', url: '/assets/styles.css' })
  assert.match(String(css.headers['content-type']), /^text\/css/)
})

test('the built pages hold no inline script, inline style or reference to another host', { skip: NOT_BUILT }, () => {
  const pages = readdirSync(WEB_DIST).filter((name) => name.endsWith('.html'))
  assert.deepEqual(pages.sort(), ['account.en.html', 'account.ru.html', 'create.en.html', 'create.ru.html', 'receipt.en.html', 'receipt.ru.html', 'request.en.html', 'request.ru.html', 'reveal.en.html', 'reveal.ru.html'])
  for (const name of pages) {
    const html = readFileSync(join(WEB_DIST, name), 'utf8')
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
    assert.ok(scripts.length > 0, name)
    for (const [, attributes, body] of scripts) {
      assert.match(attributes ?? '', /src="\/assets\/[\w-]+\.js"/, name)
      assert.equal(body, '', `${name}: inline script`)
    }
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=|(href|src|action)="javascript:/i, name)
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, `${name}: asset from another host`)
  }
  for (const asset of readdirSync(join(WEB_DIST, 'assets'))) {
    assert.doesNotMatch(readFileSync(join(WEB_DIST, 'assets', asset), 'utf8'), /\b(fetch|import)\(\s*["'`]https?:/, asset)
  }
})

test('the page language comes from ?lang=, then Accept-Language by quality, then English', { skip: NOT_BUILT }, async (t) => {
  const { app } = await startTestApp(t)
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ 'accept-language': 'ru-RU,ru;q=0.9,en-US;q=0.8' }, '', 'ru'],
    [{ 'accept-language': 'de-DE,de;q=0.9,ru;q=0.5,en;q=0.4' }, '', 'ru'],
    [{ 'accept-language': 'en;q=0.3, ru;q=0.7' }, '', 'ru'],
    [{ 'accept-language': 'ru;q=0, en' }, '', 'en'],
    [{ 'accept-language': 'fr-FR' }, '', 'en'],
    [{}, '', 'en'],
    [{ 'accept-language': 'ru' }, '?lang=en', 'en'],
    [{ 'accept-language': 'en' }, '?lang=ru', 'ru'],
    [{ 'accept-language': 'en' }, '?lang=xx', 'en']
  ]
  for (const [headers, query, expected] of cases) {
    const res = await app.inject({ method: 'GET', url: `/${query}`, headers })
    assert.match(res.body, new RegExp(`<html lang="${expected}"[ >]`), `${JSON.stringify(headers)} ${query}`)
    assert.equal(res.headers.vary, 'accept-language')
  }
  const ru = await app.inject({ method: 'GET', url: `/s/${'A'.repeat(43)}`, headers: { 'accept-language': 'ru' } })
  assert.match(ru.body, /<title>С вами поделились секретом · Burnlink<\/title>/)
  assert.equal(pickLanguage({ query: {}, headers: { 'accept-language': 'RU-ru' } }), 'ru')
})

test('/config.json tells the page the configured lifetime bounds and the text and file size limits', { skip: NOT_BUILT }, async (t) => {
  const { app } = await startTestApp(t, {
    env: { SECRET_MIN_TTL_SECONDS: '600', SECRET_DEFAULT_TTL_SECONDS: '7200', SECRET_MAX_TTL_SECONDS: '172800', SECRET_MAX_BYTES: '4096', FILE_MAX_BYTES: '1000000' }
  })
  const res = await app.inject({ method: 'GET', url: '/config.json' })
  assert.equal(res.statusCode, 200)
  const body = res.json()
  assert.deepEqual({ ...body, features: undefined }, { minTtlSeconds: 600, maxTtlSeconds: 172_800, defaultTtlSeconds: 7200, maxBytes: 4096, fileMaxBytes: 1_000_000, features: undefined })
  assert.equal(typeof body.features.revealPassphrase, 'boolean')
})

test('without a built web app the host logs that the web UI is not built and serves no pages', async (t) => {
  const { config } = await startTestApp(t)
  const lines: string[] = []
  const app = Fastify({ loggerInstance: pino(new Writable({ write (chunk: Buffer, _encoding, done) { lines.push(chunk.toString('utf8')); done() } })) })
  t.after(async () => { await app.close() })
  await registerWeb(app as unknown as App, config, join(tmpdir(), 'burnlink-no-such-web-dist'))
  assert.equal((await app.inject({ method: 'GET', url: '/' })).statusCode, 404)
  assert.ok(lines.some((line) => line.includes('web UI not built') && line.includes('npm run build')), lines.join(''))
})
