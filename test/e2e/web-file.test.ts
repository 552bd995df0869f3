// Files in the web app, in headless Chromium: attach, send, download once; and links shared with the CLI.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { countSecrets, launchBrowser, SKIP_WITHOUT_CHROMIUM, startWebApp, type WebApp } from './browser.ts'
import { run } from '../cli-run.ts'
import { onCleanup } from '../helper.ts'

const LINK = /^http:\/\/127\.0\.0\.1:\d+\/s\/([A-Za-z0-9_-]{43})#([A-Za-z0-9_-]{43})$/

async function newPage (browser: Browser, t: { after: (fn: () => Promise<void>) => void }): Promise<Page> {
  const context = await browser.newContext({ locale: 'en-US', acceptDownloads: true })
  onCleanup(t, async () => { await context.close() })
  const page = await context.newPage()
  // Nothing a sender chose (a name, an SVG) may run script here: any dialog fails the test.
  const dialogs: string[] = []
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss() })
  onCleanup(t, () => { assert.deepEqual(dialogs, [], 'no dialog opened') })
  return page
}

/** Attaches a file in the create page (the picker), optionally with a note, and returns the link. */
async function sendFileInPage (page: Page, web: WebApp, file: { name: string, mimeType: string, buffer: Buffer }, note = ''): Promise<string> {
  await page.goto(`${web.base}/`)
  await page.locator('#file-field').waitFor()
  await page.locator('#file').setInputFiles(file)
  assert.equal(await page.locator('#file-chosen').textContent(), `Attached: ${file.name} (${await sizeText(page, file.buffer.length)})`)
  if (note !== '') await page.locator('#secret').fill(note)
  await page.getByRole('button', { name: 'Create link' }).click()
  await page.locator('#result-view').waitFor()
  return await page.locator('#link').inputValue()
}

async function sizeText (page: Page, bytes: number): Promise<string> {
  return await page.evaluate((n) => {
    const units = [['gigabyte', 1024 ** 3], ['megabyte', 1024 ** 2], ['kilobyte', 1024]] as const
    const [unit, size] = units.find(([, s]) => n >= s) ?? ['byte', 1]
    return new Intl.NumberFormat('en', { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(n / size)
  }, bytes)
}

/** Opens the link, checks what the page says before the click, clicks, and returns the download's bytes. */
async function downloadInPage (page: Page, web: WebApp, link: string): Promise<{ bytes: Buffer, suggested: string }> {
  await page.goto(link)
  await page.locator('#reveal-form').waitFor()
  assert.match(await page.locator('#reveal-status').innerText(), /can be downloaded only once: when you click the button, it is destroyed on the server, even if the download breaks off/)
  assert.equal(await countSecrets(web), 1, 'loading the page consumed nothing')
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download the file' }).click()
  ])
  const path = join(mkdtempSync(join(tmpdir(), 'burnlink-download-')), 'file')
  await download.saveAs(path)
  await page.locator('#file-view').waitFor()
  return { bytes: readFileSync(path), suggested: download.suggestedFilename() }
}

test('a file attached in the page downloads once in a fresh browser, byte for byte, and the server never sees its name', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const sender = await newPage(browser, t)
  const content = randomBytes(3 * 1024 * 1024 + 17)
  const link = await sendFileInPage(sender, web, { name: 'quarterly-figures.xlsx', mimeType: 'application/vnd.ms-excel', buffer: content }, 'the password is in the other mail')
  const match = LINK.exec(link)
  assert.ok(match, link)

  const recipient = await newPage(browser, t)
  const { bytes, suggested } = await downloadInPage(recipient, web, link)
  assert.ok(bytes.equals(content), 'the downloaded bytes are the attached ones')
  assert.equal(suggested, 'quarterly-figures.xlsx')
  assert.equal(await recipient.locator('#file-name').textContent(), 'quarterly-figures.xlsx')
  assert.match(await recipient.locator('#file-size').innerText(), /^3 MB \(3,145,745 B\)$/)
  assert.equal(await recipient.locator('#file-note').inputValue(), 'the password is in the other mail')
  assert.equal(new URL(recipient.url()).hash, '', 'the key is dropped from the address bar after use')
  assert.equal(await countSecrets(web), 0)
  const downloads = web.received.filter((r) => r.method === 'GET' && r.url.startsWith('/file/'))
  assert.equal(downloads.length, 1, 'exactly one consuming request: the click')

  await recipient.reload()
  await recipient.locator('#gone-view').waitFor()

  // Zero knowledge: no request carried the name, the note or the key; the upload was the envelope.
  const upload = web.received.find((r) => r.method === 'POST' && r.url.startsWith('/file'))
  assert.ok(upload, 'the page POSTed /file')
  assert.equal(upload.headers['content-type'], 'application/octet-stream')
  assert.ok(upload.body.startsWith('zkf1'))
  for (const request of web.received) {
    const seen = JSON.stringify(request)
    for (const forbidden of ['quarterly-figures', 'other mail', match[2] ?? '']) assert.ok(!seen.includes(forbidden), `${request.method} ${request.url} carried ${forbidden}`)
  }
})

test('a file called <img src=x onerror=alert(1)>.svg shows its name as text and downloads as an attachment', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const sender = await newPage(browser, t)
  const name = '<img src=x onerror=alert(1)>.svg'
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(2)"><script>alert(3)</script></svg>')
  const link = await sendFileInPage(sender, web, { name, mimeType: 'image/svg+xml', buffer: svg })
  assert.equal(await sender.locator('img').count(), 0)

  const recipient = await newPage(browser, t)
  const { bytes } = await downloadInPage(recipient, web, link)
  assert.ok(bytes.equals(svg))
  assert.equal(await recipient.locator('#file-name').textContent(), name, 'the name as text')
  assert.equal(await recipient.locator('img').count(), 0, 'no element was made from the name')
  assert.equal(new URL(recipient.url()).pathname.startsWith('/s/'), true, 'the page did not navigate to the file')
  assert.equal(recipient.context().pages().length, 1, 'no window opened to render it')
  assert.match(await recipient.locator('#file-save').getAttribute('href') ?? '', /^blob:/)
})

test('a file over FILE_MAX_BYTES is refused in the page with a message naming the limit, before any upload', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t, { env: { FILE_MAX_BYTES: '50000' } })
  const browser = await launchBrowser(t)
  const page = await newPage(browser, t)
  await page.goto(`${web.base}/`)
  await page.locator('#file-field').waitFor()
  assert.equal(await page.locator('#file-hint').innerText(), 'Up to 48.8 kB. The recipient can download it once.')
  await page.locator('#file').setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: randomBytes(50_000) })
  await page.getByRole('button', { name: 'Create link' }).click()
  assert.equal(await page.locator('#create-error').innerText(), 'The file is too large: this server accepts files up to 48.8 kB.')
  assert.equal(web.received.filter((r) => r.url.startsWith('/file')).length, 0)
  assert.equal(await countSecrets(web), 0)
})

test('links are interchangeable: the CLI opens what the page made, and the page opens what the CLI made', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const browser = await launchBrowser(t)
  const page = await newPage(browser, t)
  const cwd = mkdtempSync(join(tmpdir(), 'burnlink-interop-'))

  // Page → CLI: a text, and a file dropped on the drop zone.
  await page.goto(`${web.base}/`)
  await page.locator('#secret').fill('made in the browser ✓')
  await page.getByRole('button', { name: 'Create link' }).click()
  await page.locator('#result-view').waitFor()
  const textLink = await page.locator('#link').inputValue()
  const text = await run(['get', textLink], { cwd })
  assert.equal(text.code, 0, text.stderr)
  assert.equal(text.stdout.toString('utf8'), 'made in the browser ✓')

  await page.goto(`${web.base}/`)
  await page.locator('#file-field').waitFor()
  // What a drag from the desktop delivers: a drop event carrying the file (run in the page).
  await page.evaluate(`{
    const transfer = new DataTransfer()
    transfer.items.add(new File(['dropped, then read by the CLI'], 'dropped.txt', { type: 'text/plain' }))
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }))
  }`)
  assert.match(await page.locator('#file-chosen').innerText(), /^Attached: dropped\.txt/)
  await page.getByRole('button', { name: 'Create link' }).click()
  await page.locator('#result-view').waitFor()
  const fileLink = await page.locator('#link').inputValue()
  const file = await run(['get', fileLink], { cwd })
  assert.equal(file.code, 0, file.stderr)
  assert.equal(readFileSync(join(cwd, 'dropped.txt'), 'utf8'), 'dropped, then read by the CLI')

  // CLI → page: a text, and a file.
  const sentText = await run(['send', '--server', web.base], { input: 'made by the CLI' })
  assert.equal(sentText.code, 0, sentText.stderr)
  await page.goto(sentText.stdout.toString('utf8').trim())
  await page.getByRole('button', { name: 'Reveal the secret' }).click()
  await page.locator('#secret-view').waitFor()
  assert.equal(await page.locator('#secret-text').inputValue(), 'made by the CLI')

  const content = randomBytes(700_000)
  const source = join(cwd, 'from-cli.bin')
  writeFileSync(source, content)
  const sentFile = await run(['send', source, '--server', web.base])
  assert.equal(sentFile.code, 0, sentFile.stderr)
  const { bytes, suggested } = await downloadInPage(page, web, sentFile.stdout.toString('utf8').trim())
  assert.ok(bytes.equals(content))
  assert.equal(suggested, 'from-cli.bin')
})
