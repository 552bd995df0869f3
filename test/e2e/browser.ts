// Browser-test harness: a real Burnlink host on 127.0.0.1 behind a recording proxy, and Chromium.
import { existsSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { TestContext } from 'node:test'
import { chromium, type Browser } from 'playwright-core'
import { onCleanup, startTestApp, type TestApp, type TestAppOptions } from '../helper.ts'

export const CHROMIUM = '/usr/bin/chromium'

/** node:test's skip option: a reason when Chromium is absent, so the skip says what to install. */
export const SKIP_WITHOUT_CHROMIUM: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: apt-get install -y chromium (CI runs these tests in .ci/steps/40-web-e2e.sh)`

export async function launchBrowser (t: Pick<TestContext, 'after'>, extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs]
  })
  onCleanup(t, async () => { await browser.close() })
  return browser
}

/** One HTTP request as it reached the server: everything the browser sent, byte for byte. */
export interface Received {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

export interface WebApp extends TestApp {
  /** http://127.0.0.1:<proxy port>: the browser talks to the host only through the recorder. */
  base: string
  received: Received[]
}

export async function startWebApp (t: Pick<TestContext, 'after'>, options: TestAppOptions = {}): Promise<WebApp> {
  const testApp = await startTestApp(t, options)
  await testApp.app.listen({ port: 0, host: '127.0.0.1' })
  const target = testApp.app.server.address() as AddressInfo
  const received: Received[] = []
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: body.toString('utf8') })
      const upstream = httpRequest({ host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      })
      upstream.on('error', () => { res.writeHead(502).end() })
      upstream.end(body)
    })
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  onCleanup(t, async () => {
    proxy.closeAllConnections()
    await new Promise((resolve) => proxy.close(resolve))
  })
  return { ...testApp, base: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, received }
}

export async function countSecrets (web: TestApp): Promise<number> {
  const [row] = await web.app.sql<Array<{ n: number }>>`select count(*)::int as n from secret`
  return row?.n ?? -1
}
