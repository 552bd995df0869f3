// The web app in headless Chromium: create → open in a fresh browser → reveal once, zero-knowledge.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { countSecrets, launchBrowser, SKIP_WITHOUT_CHROMIUM, startWebApp, type WebApp } from './browser.ts'
import { onCleanup } from '../helper.ts'

const SECRET = 'db password: «Tr0ub4dor&3» 🔑\nline two\t(tab)'

test('a secret made in the page is revealed once in a fresh browser, and only by the Reveal click', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const sender = await newPage(browser, t)

  const link = await createInPage(sender, web, SECRET)
  const match = new RegExp(`^${web.base}/s/([A-Za-z0-9_-]{43})#([A-Za-z0-9_-]{43})$`).exec(link)
  assert.ok(match, `unexpected link ${link}`)
  const fragmentKey = match[2] ?? ''
  assert.equal(await countSecrets(web), 1)
  assert.match(await sender.locator('#expires').innerText(), /Expires .+ if nobody reads it\./)
  assert.ok(await sender.locator('#qr svg path').count() === 1, 'the QR code is drawn')
  await sender.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.base })
  const copyLink = sender.locator('button[data-copy="link"]')
  await copyLink.click()
  await copyLink.getByText('Copied').waitFor()
  assert.equal(await sender.evaluate('navigator.clipboard.readText()'), link)

  const recipient = await newPage(browser, t)
  await recipient.goto(link)
  await recipient.locator('#reveal-form').waitFor()
  assert.equal(await countSecrets(web), 1, 'loading the reveal page must not consume the secret')
  assert.equal(await recipient.locator('#no-key').isHidden(), true)

  await recipient.getByRole('button', { name: 'Reveal the secret' }).click()
  await recipient.locator('#secret-view').waitFor()
  assert.equal(await recipient.locator('#secret-text').inputValue(), SECRET)
  assert.equal(await countSecrets(web), 0)
  assert.equal(new URL(recipient.url()).hash, '', 'the key is dropped from the address bar after use')
  const reads = web.received.filter((r) => r.method === 'GET' && /^\/secret\/[^/]+$/.test(r.url))
  assert.equal(reads.length, 1, 'exactly one consuming read: the click')

  await recipient.reload()
  await expectGone(recipient, web)
  assert.equal(await recipient.locator('#gone-title').innerText(), 'This secret is not available')

  // Zero knowledge: nothing that reached the server holds the plaintext or the fragment key.
  const logged = web.logs.join('')
  for (const forbidden of ['Tr0ub4dor', fragmentKey, match[1] ?? '']) assert.ok(!logged.includes(forbidden), `the server log holds ${forbidden}`)
  const create = web.received.find((r) => r.method === 'POST' && r.url === '/secret')
  assert.ok(create, 'the page POSTed /secret')
  assert.match(JSON.parse(create.body).secret, /^zk1:[A-Za-z0-9_-]+$/)
  for (const request of web.received) {
    const seen = JSON.stringify(request)
    for (const forbidden of [SECRET, JSON.stringify(SECRET).slice(1, -1), 'Tr0ub4dor', fragmentKey]) {
      assert.ok(!seen.includes(forbidden), `${request.method} ${request.url} carried ${forbidden}`)
    }
  }
})

test('the pages follow the browser language, and the switcher changes it and remembers it', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const context = await browser.newContext({ locale: 'ru-RU' })
  onCleanup(t, async () => { await context.close() })
  const page = await context.newPage()
  await page.goto(`${web.base}/`)
  assert.equal(await page.getAttribute('html', 'lang'), 'ru')
  assert.equal(await page.locator('h1:visible').innerText(), 'Поделиться секретом')
  assert.match(await page.locator('#ttl option:checked').innerText(), /1 день/)
  const link = await createInPage(page, web, 'секрет по-русски', 'Создать ссылку')

  const reader = await context.newPage()
  await reader.goto(link)
  await reader.getByRole('button', { name: 'Показать секрет' }).click()
  await reader.locator('#secret-view').waitFor()
  assert.equal(await reader.locator('#secret-text').inputValue(), 'секрет по-русски')
  assert.match(await reader.locator('#secret-view .note').innerText(), /Секрет уничтожен на сервере/)

  await page.goto(`${web.base}/`)
  await page.getByLabel('Язык').selectOption('en')
  assert.equal(await page.locator('h1:visible').innerText(), 'Share a secret')
  assert.equal(await page.getAttribute('html', 'lang'), 'en')
  assert.equal(await page.title(), 'Share a secret · Burnlink')
  await page.reload()
  await page.locator('#ttl option').first().waitFor({ state: 'attached' })
  assert.equal(await page.locator('h1:visible').innerText(), 'Share a secret', 'the choice survives a reload')
})

test('an unknown or malformed link gets the friendly "not available" page without a Reveal button', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const page = await newPage(browser, t)
  for (const path of [`/s/${'A'.repeat(43)}#${'B'.repeat(43)}`, '/s/nonsense']) {
    await page.goto(`${web.base}${path}`)
    await expectGone(page, web)
    assert.match(await page.locator('#gone-view').innerText(), /already been read, was deleted, or has expired/)
  }
})

/**
 * The "not available" page. With GET /secret/{key}/status (issue 4) it appears on load; a server
 * without that endpoint cannot tell before a read, so the page offers the button and the click
 * (which finds nothing to consume) gives the verdict.
 */
async function expectGone (page: Page, web: WebApp): Promise<void> {
  const probe = await web.app.inject({ method: 'GET', url: `/secret/${'A'.repeat(43)}/status` })
  if (probe.json().code === 'ROUTE_NOT_FOUND') {
    await page.locator('#reveal-form').waitFor()
    await page.locator('#reveal-submit').click()
  }
  await page.locator('#gone-view').waitFor()
  assert.equal(await page.locator('#reveal-form').isVisible(), false)
}

async function newPage (browser: Browser, t: { after: (fn: () => Promise<void>) => void }): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US' })
  onCleanup(t, async () => { await context.close() })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()) })
  page.on('pageerror', (err) => problems.push(err.message))
  t.after(async () => {
    // CSP violations and script errors show up here: the strict policy must not break the pages.
    assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), [])
  })
  return page
}

async function createInPage (page: Page, web: WebApp, secret: string, button = 'Create link'): Promise<string> {
  if (!page.url().startsWith(web.base)) await page.goto(`${web.base}/`)
  await page.locator('#ttl option').first().waitFor({ state: 'attached' })
  await page.locator('#secret').fill(secret)
  await page.getByRole('button', { name: button }).click()
  await page.locator('#result-view').waitFor()
  return await page.locator('#link').inputValue()
}
