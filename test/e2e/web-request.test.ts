// Requests in headless Chromium: ask → answer in a fresh browser → the inbox reveals the answer once.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { countSecrets, launchBrowser, SKIP_WITHOUT_CHROMIUM, startWebApp } from './browser.ts'
import { onCleanup } from '../helper.ts'

const ANSWER = 'vpn: «Tr0ub4dor&3» 🔑\nline two'

test('a request made in the page is answered once in a fresh browser, and its inbox reveals the answer once, only on the click', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)

  const requester = await newPage(browser, t)
  await requester.goto(`${web.base}/ask`)
  await requester.locator('#ask-note').fill('The <b>VPN</b> password, please')
  await requester.getByRole('button', { name: 'Create the request' }).click()
  await requester.locator('#asked-view').waitFor()
  const requestLink = await requester.locator('#request-link').inputValue()
  const inboxLink = await requester.locator('#inbox-link').inputValue()
  assert.match(requestLink, new RegExp(`^${web.base}/ask/[A-Za-z0-9_-]{43}#[A-Za-z0-9_-]{87}$`))
  assert.match(inboxLink, new RegExp(`^${web.base}/inbox/[A-Za-z0-9_-]{43}#[A-Za-z0-9_-]+$`))

  const holder = await newPage(browser, t)
  await holder.goto(requestLink)
  await holder.locator('#answer-form').waitFor()
  assert.equal(await holder.locator('#answer-note').innerText(), 'The <b>VPN</b> password, please', 'the note is shown as text')
  await holder.locator('#answer-secret').fill(ANSWER)
  await holder.getByRole('button', { name: 'Send the answer' }).click()
  await holder.getByText('Answered. Only the person who asked can read it, once.').waitFor()
  assert.equal(await countSecrets(web), 1)

  const again = await newPage(browser, t)
  await again.goto(requestLink)
  await again.getByText('This request was already answered. It takes one answer.').waitFor()
  assert.equal(await again.locator('#answer-form').isHidden(), true)

  // Zero knowledge: neither fragment key nor the answer ever crossed the wire.
  const wire = JSON.stringify(web.received)
  assert.ok(!wire.includes(requestLink.split('#')[1] ?? '') && !wire.includes(inboxLink.split('#')[1] ?? ''))
  assert.ok(!wire.includes('Tr0ub4dor'))

  const inbox = await newPage(browser, t)
  await inbox.goto(inboxLink)
  const reveal = inbox.getByRole('button', { name: 'Reveal the answer' })
  await reveal.waitFor()
  assert.equal(await countSecrets(web), 1, 'loading the inbox page must not consume the answer')
  await reveal.click()
  await inbox.locator('#inbox-answer').waitFor()
  assert.equal(await inbox.locator('#inbox-text').inputValue(), ANSWER)
  assert.equal(await inbox.locator('#inbox-status').innerText(), 'Revealed here: the answer is now destroyed on the server.', 'not "already revealed": this page revealed it')
  assert.equal(await countSecrets(web), 0)
  assert.equal(web.received.filter((r) => r.method === 'GET' && /^\/request\/inbox\/[^/]+$/.test(r.url)).length, 1, 'one consuming read: the click')

  const later = await newPage(browser, t)
  await later.goto(inboxLink)
  await later.getByText('The answer was already revealed and destroyed.').waitFor()
  assert.equal(await later.getByRole('button', { name: 'Reveal the answer' }).isHidden(), true)
})

async function newPage (browser: Browser, t: { after: (fn: () => Promise<void>) => void }): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US' })
  onCleanup(t, async () => { await context.close() })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()) })
  page.on('pageerror', (err) => problems.push(err.message))
  t.after(async () => { assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), []) })
  return page
}
