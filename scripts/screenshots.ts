// Regenerates docs/screenshots/: every web page, light and dark, phone and desktop, in Chromium.
// Usage: npm run build && node scripts/screenshots.ts   (needs /usr/bin/chromium; POSTGRES_HOST optional)
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { startWebApp } from '../test/e2e/browser.ts'

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots')
const DEVICES = {
  phone: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  desktop: { viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 }
} as const
const SCHEMES = ['light', 'dark'] as const
const SAMPLE = 'postgres://deploy:9vN$kq2!Lr7@db.internal:5432/payments'
const PASSPHRASE = 'correct horse'

const cleanups: Array<() => Promise<void> | void> = []
// startWebApp registers its clean-ups the node:test way; here they run when the script ends.
const web = await startWebApp({ after: (fn) => { if (fn !== undefined) cleanups.push(fn as () => Promise<void>) } })
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
})
mkdirSync(OUT, { recursive: true })
try {
  for (const [device, settings] of Object.entries(DEVICES)) {
    for (const scheme of SCHEMES) {
      for (const locale of device === 'desktop' && scheme === 'light' ? ['en-US', 'ru-RU'] : ['en-US']) {
        const context = await browser.newContext({ ...settings, colorScheme: scheme, locale, timezoneId: 'UTC' })
        const page = await context.newPage()
        const shot = async (target: Page, name: string): Promise<void> => {
          await blur(target)
          const suffix = locale === 'en-US' ? '' : `-${locale.slice(0, 2)}`
          await target.screenshot({ path: join(OUT, `${name}-${device}-${scheme}${suffix}.png`), fullPage: true })
        }
        await page.goto(`${web.base}/`)
        await page.locator('#ttl option').first().waitFor({ state: 'attached' })
        await page.locator('#secret').fill(SAMPLE)
        await page.locator('#passphrase').fill(PASSPHRASE)
        if (await page.locator('#require-passphrase').isVisible()) await page.locator('#require-passphrase').check()
        await shot(page, 'create')
        await page.locator('#create-submit').click()
        await page.locator('#result-view').waitFor()
        await shot(page, 'link')
        const link = await page.locator('#link').inputValue()
        const receipt = await page.locator('#receipt').inputValue()

        const reader = await context.newPage()
        await reader.goto(link)
        await reader.locator('#reveal-form').waitFor()
        await shot(reader, 'reveal')
        if (await reader.locator('#reveal-passphrase').isVisible()) await reader.locator('#reveal-passphrase').fill(PASSPHRASE)
        await reader.locator('#reveal-submit').click()
        await reader.locator('#secret-view').waitFor()
        await shot(reader, 'revealed')
        await reader.goto(`${web.base}/s/${'A'.repeat(43)}`)
        await reader.locator('#reveal-form:visible, #gone-view:visible').first().waitFor()
        if (await reader.locator('#reveal-form').isVisible()) await reader.locator('#reveal-submit').click()
        await reader.locator('#gone-view').waitFor()
        await shot(reader, 'gone')
        if (receipt !== '') {
          await reader.goto(receipt)
          await reader.locator('#receipt-status[data-status]').waitFor()
          await shot(reader, 'receipt')
        }
        await context.close()
      }
    }
  }
} finally {
  await browser.close()
  for (const cleanup of cleanups.reverse()) await cleanup()
}
process.stdout.write(`screenshots written to ${OUT}\n`)

async function blur (page: Page): Promise<void> {
  // A string runs in the page: this script's types have no DOM. No focus ring in the pictures.
  await page.evaluate('document.activeElement && document.activeElement.blur()')
}
