// Keyboard use, labels for screen readers, and what a damaged link does, in headless Chromium.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page } from 'playwright-core'
import { createSecret } from '../helper.ts'
import { countSecrets, launchBrowser, SKIP_WITHOUT_CHROMIUM, startWebApp } from './browser.ts'

test('a secret can be created and revealed with the keyboard alone', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await page.goto(`${web.base}/`)
  await page.locator('#ttl option').first().waitFor({ state: 'attached' })
  await tabTo(page, 'secret')
  await page.keyboard.type('typed, not clicked')
  await tabTo(page, 'create-submit')
  await page.keyboard.press('Enter')
  await page.locator('#result-view').waitFor()
  assert.equal(await page.evaluate('document.activeElement.id'), 'result-title', 'focus moves to the result heading')
  const link = await page.locator('#link').inputValue()

  const reader = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await reader.goto(link)
  await reader.locator('#reveal-form').waitFor()
  await tabTo(reader, 'reveal-submit')
  await reader.keyboard.press('Enter')
  await reader.locator('#secret-view').waitFor()
  assert.equal(await reader.locator('#secret-text').inputValue(), 'typed, not clicked')
})

test('every form control on every page has an accessible name', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage()
  for (const path of ['/', `/s/${'A'.repeat(43)}`, `/r/${'A'.repeat(43)}`]) {
    await page.goto(`${web.base}${path}`)
    await page.waitForLoadState('networkidle')
    const unnamed = await page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.textContent.trim()))
      .map((el) => el.outerHTML)`)
    assert.deepEqual(unnamed, [], path)
  }
})

test('a link whose #key was altered reveals nothing readable and says why', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await page.goto(`${web.base}/`)
  await page.locator('#ttl option').first().waitFor({ state: 'attached' })
  await page.locator('#secret').fill('tamper-proof')
  await page.locator('#create-submit').click()
  await page.locator('#result-view').waitFor()
  const link = await page.locator('#link').inputValue()
  const [base = '', key = ''] = link.split('#')
  const altered = `${base}#${key.startsWith('A') ? 'B' : 'A'}${key.slice(1)}`

  const reader = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await reader.goto(altered)
  await reader.locator('#reveal-submit').click()
  await reader.locator('#gone-view').waitFor()
  assert.match(await reader.locator('#gone-body').innerText(), /could not be decrypted/)
  assert.equal(await reader.locator('#secret-text').inputValue(), '')
  assert.equal(await countSecrets(web), 0)

  // A waiting secret's link without its #key: the page warns before the click that would burn it.
  const { secret_key: other } = await createSecret(web.app, { secret: 'zk1:AAAA' })
  await reader.goto(`${web.base}/s/${other}`)
  await reader.locator('#no-key').waitFor()
  assert.match(await reader.locator('#no-key').innerText(), /no decryption key/)
})

test('over plain http from another host the pages refuse to encrypt or to burn an unreadable secret', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  // A name that is not localhost: Chromium treats http:// to it as insecure, so WebCrypto is absent.
  const browser = await launchBrowser(t, ['--host-resolver-rules=MAP burnlink.test 127.0.0.1'])
  const insecure = web.base.replace('127.0.0.1', 'burnlink.test')
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await page.goto(`${insecure}/`)
  await page.getByText('This page must be opened over HTTPS').waitFor()
  assert.equal(await page.locator('#create-submit').isDisabled(), true)

  const { secret_key: key } = await createSecret(web.app, { secret: 'zk1:AAAA' })
  await page.goto(`${insecure}/s/${key}#${'K'.repeat(43)}`)
  await page.getByText('This page must be opened over HTTPS').waitFor()
  assert.equal(await page.locator('#reveal-submit').isDisabled(), true)
  assert.equal(await countSecrets(web), 1)
})

/** Presses Tab until the element with this id has focus (at most 30 times). */
async function tabTo (page: Page, id: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    if (await page.evaluate('document.activeElement && document.activeElement.id') === id) return
    await page.keyboard.press('Tab')
  }
  assert.fail(`Tab never reached #${id}`)
}

test('a secret over the size limit is refused in the page before anything is sent', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t, { env: { SECRET_MAX_BYTES: '200' } })
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await page.goto(`${web.base}/`)
  await page.locator('#ttl option').first().waitFor({ state: 'attached' })
  // 200 bytes of envelope hold 119 bytes of text: 4 + ceil((12 + 119 + 16) * 4 / 3) = 200.
  await page.locator('#secret').fill('x'.repeat(120))
  assert.equal(await page.locator('#secret-size').innerText(), '120 of 119 bytes')
  await page.locator('#create-submit').click()
  await page.getByText('The secret is too long: at most 119 bytes.').waitFor()
  assert.equal(web.received.filter((r) => r.method === 'POST').length, 0)

  await page.locator('#secret').fill('x'.repeat(119))
  await page.locator('#create-submit').click()
  await page.locator('#result-view').waitFor()
  assert.equal(await countSecrets(web), 1, 'the largest text the page allows fits the server limit exactly')
})
