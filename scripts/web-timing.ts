// Measures the web app in Chromium: page load to usable form, create (encrypt + POST), reveal
// (GET + decrypt). Usage: npm run build && node scripts/web-timing.ts [runs=20]  (needs /usr/bin/chromium)
import { chromium } from 'playwright-core'
import { startWebApp } from '../test/e2e/browser.ts'

const runs = Number(process.argv[2] ?? 20)
const cleanups: Array<() => Promise<void>> = []
// startWebApp registers its clean-ups the node:test way; here they run when the script ends.
const web = await startWebApp({ after: (fn) => { if (fn !== undefined) cleanups.push(fn as () => Promise<void>) } })
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] })
const timings: Record<string, number[]> = { 'create page ready': [], 'create (encrypt + POST)': [], 'reveal page ready': [], 'reveal (GET + decrypt)': [] }
const time = async (name: string, action: () => Promise<unknown>): Promise<void> => {
  const start = performance.now()
  await action()
  timings[name]?.push(performance.now() - start)
}
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ locale: 'en-US' })
    const page = await context.newPage()
    await time('create page ready', async () => {
      await page.goto(`${web.base}/`)
      await page.locator('#ttl option').first().waitFor({ state: 'attached' })
    })
    await page.locator('#secret').fill('x'.repeat(1000))
    await time('create (encrypt + POST)', async () => {
      await page.locator('#create-submit').click()
      await page.locator('#result-view').waitFor()
    })
    const link = await page.locator('#link').inputValue()
    const reader = await context.newPage()
    await time('reveal page ready', async () => {
      await reader.goto(link)
      await reader.locator('#reveal-form').waitFor()
    })
    await time('reveal (GET + decrypt)', async () => {
      await reader.locator('#reveal-submit').click()
      await reader.locator('#secret-view').waitFor()
    })
    await context.close()
  }
} finally {
  await browser.close()
  for (const cleanup of cleanups.reverse()) await cleanup()
}
for (const [name, values] of Object.entries(timings)) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(0)
  process.stdout.write(`${name.padEnd(26)} median ${at(0.5).padStart(4)} ms   p90 ${at(0.9).padStart(4)} ms   (${sorted.length} runs)\n`)
}
