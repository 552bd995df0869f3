// A request answered with a file, in headless Chromium: ask → attach in a fresh browser → the
// inbox says a file waits → one download, byte for byte, under its name → never a second.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { countSecrets, launchBrowser, SKIP_WITHOUT_CHROMIUM, startWebApp, type WebApp } from './browser.ts'
import { onCleanup } from '../helper.ts'

const NAME = 'server-keys (prod).tar.gz'
const NOTE = 'unpack with the passphrase from the call'

/** A fresh browser context per person: nothing shared between requester and holder but the links. */
async function newPage (browser: Browser, t: { after: (fn: () => Promise<void>) => void }): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', acceptDownloads: true })
  onCleanup(t, async () => { await context.close() })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()) })
  page.on('pageerror', (err) => problems.push(err.message))
  page.on('dialog', (dialog) => { problems.push(`dialog: ${dialog.message()}`); void dialog.dismiss() })
  // A refused reveal is a 404 the browser logs; anything else is a fault of the page.
  t.after(async () => { assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), []) })
  return page
}

async function ask (page: Page, web: WebApp): Promise<{ requestLink: string, inboxLink: string }> {
  await page.goto(`${web.base}/ask`)
  await page.locator('#ask-note').fill('The deployment keys, please')
  await page.getByRole('button', { name: 'Create the request' }).click()
  await page.locator('#asked-view').waitFor()
  return { requestLink: await page.locator('#request-link').inputValue(), inboxLink: await page.locator('#inbox-link').inputValue() }
}

const answerUploads = (web: WebApp): number => web.received.filter((r) => r.method === 'POST' && /^\/request\/[^/]+\/answer$/.test(r.url)).length

test('a request answered with a file in a fresh browser downloads once from the inbox, byte for byte under its name, and the server never sees the name, the note or a key', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const { requestLink, inboxLink } = await ask(await newPage(browser, t), web)

  // More than two 256 KiB chunks, and not a multiple of one: the envelope's chunking is exercised.
  const content = randomBytes(600_005)
  const holder = await newPage(browser, t)
  await holder.goto(requestLink)
  await holder.locator('#answer-form').waitFor()
  assert.match(await holder.locator('#answer-status').innerText(), /^Type the secret below, or attach a file\./)
  assert.equal(await holder.locator('#answer-secret-hint').isHidden(), true, 'no note hint before a file is attached')
  await holder.locator('#file').setInputFiles({ name: NAME, mimeType: 'application/gzip', buffer: content })
  assert.equal(await holder.locator('#file-chosen').innerText(), `Attached: ${NAME} (585.9 kB)`)
  assert.equal(await holder.locator('#answer-secret-hint').innerText(), 'With a file attached, this text goes with it as a note. It may stay empty.')
  await holder.locator('#answer-secret').fill(NOTE)
  await holder.getByRole('button', { name: 'Send the answer' }).click()
  await holder.getByText('Sent. Only the person who asked can download the file, once.').waitFor()
  assert.equal(await holder.locator('#answer-form').isHidden(), true)
  assert.equal(await countSecrets(web), 1)

  const again = await newPage(browser, t)
  await again.goto(requestLink)
  await again.getByText('This request was already answered. It takes one answer.').waitFor()

  // Zero knowledge: the upload is the zkr1 envelope; no request carried the name, the note or a key.
  const upload = web.received.find((r) => r.method === 'POST' && r.url.endsWith('/answer'))
  assert.ok(upload, 'the page POSTed the answer')
  assert.equal(upload.headers['content-type'], 'application/octet-stream')
  assert.ok(Number(upload.headers['content-length']) > content.length)
  assert.ok(upload.body.startsWith('zkr1'))
  for (const request of web.received) {
    const seen = JSON.stringify(request)
    for (const forbidden of ['server-keys', 'passphrase from the call', requestLink.split('#')[1] ?? '', inboxLink.split('#')[1] ?? '']) {
      assert.ok(!seen.includes(forbidden), `${request.method} ${request.url} carried ${forbidden}`)
    }
  }

  // Two inbox pages open before the reveal: the second one's click must come too late.
  const inbox = await newPage(browser, t)
  const stale = await newPage(browser, t)
  for (const page of [inbox, stale]) {
    await page.goto(inboxLink)
    await page.getByRole('button', { name: 'Download the file' }).waitFor()
    assert.match(await page.locator('#inbox-status').innerText(), /^Answered with a file\. It can be downloaded only once/)
  }
  assert.equal(await countSecrets(web), 1, 'loading the inbox pages consumed nothing')
  const fileReads = (): number => web.received.filter((r) => r.method === 'GET' && /^\/request\/inbox\/[^/]+\/file$/.test(r.url)).length
  assert.equal(fileReads(), 0)

  const [download] = await Promise.all([
    inbox.waitForEvent('download'),
    inbox.getByRole('button', { name: 'Download the file' }).click()
  ])
  const path = join(mkdtempSync(join(tmpdir(), 'burnlink-answer-')), 'file')
  await download.saveAs(path)
  assert.ok(readFileSync(path).equals(content), 'the downloaded bytes are the attached ones')
  assert.equal(download.suggestedFilename(), NAME)
  await inbox.locator('#inbox-file').waitFor()
  assert.equal(await inbox.locator('#file-name').textContent(), NAME)
  assert.equal(await inbox.locator('#file-size').innerText(), '585.9 kB (600,005 B)')
  assert.equal(await inbox.locator('#file-note').inputValue(), NOTE)
  assert.match(await inbox.locator('#file-save').getAttribute('href') ?? '', /^blob:/)
  assert.equal(await inbox.locator('#inbox-status').innerText(), 'Revealed here: the answer is now destroyed on the server.')
  assert.equal(await inbox.getByRole('button', { name: 'Download the file' }).isHidden(), true)
  assert.equal(new URL(inbox.url()).hash, '', 'the key is dropped from the address bar after use')
  assert.equal(await countSecrets(web), 0)
  assert.equal(fileReads(), 1, 'one consuming read: the click')
  assert.equal(web.received.filter((r) => r.method === 'GET' && /^\/request\/inbox\/[^/]+$/.test(r.url)).length, 0, 'the text read was never tried')

  // The page that was loaded before: its click is refused, downloads nothing and says why.
  let downloaded = false
  stale.on('download', () => { downloaded = true })
  await stale.getByRole('button', { name: 'Download the file' }).click()
  await stale.getByText('The answer was already revealed and destroyed.').waitFor()
  assert.equal(await stale.getByRole('button', { name: 'Download the file' }).isHidden(), true)
  assert.equal(await stale.locator('#inbox-file').isHidden(), true)
  assert.equal(downloaded, false)
  assert.equal(fileReads(), 2)

  const later = await newPage(browser, t)
  await later.goto(inboxLink)
  await later.getByText('The answer was already revealed and destroyed.').waitFor()
  assert.equal(await later.locator('#inbox-reveal').isHidden(), true)
})

test('a file over FILE_MAX_BYTES is refused on the request page as soon as it is dropped, naming the limit, and the holder can still answer with text', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t, { env: { FILE_MAX_BYTES: '50000' } })
  const browser = await launchBrowser(t)
  const { requestLink, inboxLink } = await ask(await newPage(browser, t), web)

  const holder = await newPage(browser, t)
  await holder.goto(requestLink)
  await holder.locator('#answer-form').waitFor()
  assert.equal(await holder.locator('#file-hint').innerText(), 'Up to 48.8 kB. Only the person who asked can download it, once.')
  await holder.evaluate(`{
    const transfer = new DataTransfer()
    transfer.items.add(new File([new Uint8Array(50000)], 'big.bin', { type: 'application/octet-stream' }))
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }))
  }`)
  const tooLarge = 'The file is too large: this server accepts files up to 48.8 kB.'
  assert.match(await holder.locator('#file-chosen').innerText(), /^Attached: big\.bin/)
  assert.equal(await holder.locator('#answer-error').innerText(), tooLarge, 'said on the drop')
  await holder.getByRole('button', { name: 'Send the answer' }).click()
  assert.equal(await holder.locator('#answer-error').innerText(), tooLarge, 'and again on the click')
  assert.equal(answerUploads(web), 0, 'nothing was uploaded')
  assert.equal(await countSecrets(web), 0)

  await holder.getByRole('button', { name: 'Remove the file' }).click()
  assert.equal(await holder.locator('#answer-error').isHidden(), true)
  await holder.locator('#answer-secret').fill('just the text, then')
  await holder.getByRole('button', { name: 'Send the answer' }).click()
  await holder.getByText('Answered. Only the person who asked can read it, once.').waitFor()
  assert.equal(answerUploads(web), 1)

  const inbox = await newPage(browser, t)
  await inbox.goto(inboxLink)
  await inbox.getByRole('button', { name: 'Reveal the answer' }).click()
  await inbox.locator('#inbox-answer').waitFor()
  assert.equal(await inbox.locator('#inbox-text').inputValue(), 'just the text, then')
})
