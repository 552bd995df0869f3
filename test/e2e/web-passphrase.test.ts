// The passphrase-gated reveal and the read receipt in the browser (the API of the hardening issue).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createSecret } from '../helper.ts'
import { countSecrets, launchBrowser, SKIP_WITHOUT_CHROMIUM, startWebApp } from './browser.ts'

test('a secret that requires its passphrase is revealed only with it, and a wrong one burns nothing', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t)
  const config = (await web.app.inject({ method: 'GET', url: '/config.json' })).json()
  if (config.features.revealPassphrase !== true) {
    t.skip('POST /secret does not document reveal_requires_passphrase yet (hardening issue)')
    return
  }
  const browser = await launchBrowser(t)
  const sender = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await sender.goto(`${web.base}/`)
  await sender.locator('#ttl option').first().waitFor({ state: 'attached' })
  await sender.locator('#secret').fill('gated secret')
  await sender.getByLabel('Passphrase (optional)').fill('пароль horse')
  await sender.getByLabel('Require the passphrase to read the secret').check()
  await sender.getByRole('button', { name: 'Create link' }).click()
  await sender.locator('#result-view').waitFor()
  assert.equal(await sender.locator('#passphrase-note').isVisible(), true)
  const link = await sender.locator('#link').inputValue()
  const receiptVisible = await sender.locator('#receipt-block').isVisible()
  const receipt = receiptVisible ? await sender.locator('#receipt').inputValue() : ''

  const recipient = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await recipient.goto(link)
  const passphrase = recipient.getByLabel('Passphrase', { exact: true })
  await passphrase.waitFor()
  assert.match(await recipient.locator('#reveal-status').innerText(), /A secret is waiting for you/)

  await passphrase.fill('wrong horse')
  await recipient.getByRole('button', { name: 'Reveal the secret' }).click()
  await recipient.getByText('The passphrase is wrong. The secret is still there: try again.').waitFor()
  assert.equal(await countSecrets(web), 1, 'a wrong passphrase must not burn the secret')

  await passphrase.fill('пароль horse')
  await recipient.getByRole('button', { name: 'Reveal the secret' }).click()
  await recipient.locator('#secret-view').waitFor()
  assert.equal(await recipient.locator('#secret-text').inputValue(), 'gated secret')
  assert.equal(await countSecrets(web), 0)
  for (const request of web.received) {
    assert.ok(!request.body.includes('gated secret') && !request.url.includes(new URL(link).hash.slice(1)), `${request.method} ${request.url}`)
  }

  if (receipt !== '') {
    await sender.goto(receipt)
    await sender.locator('#receipt-status[data-status="revealed"]').waitFor()
    assert.match(await sender.locator('#receipt-status').innerText(), /Revealed/)
  }
})

test('after too many wrong passphrases the page says how long to wait, and the secret stays', { skip: SKIP_WITHOUT_CHROMIUM }, async (t) => {
  const web = await startWebApp(t, { env: { PASSPHRASE_MAX_FAILURES_PER_CLIENT: '2', PASSPHRASE_LOCK_SECONDS: '900' } })
  const config = (await web.app.inject({ method: 'GET', url: '/config.json' })).json()
  if (config.features.revealPassphrase !== true) {
    t.skip('POST /secret does not document reveal_requires_passphrase yet (hardening issue)')
    return
  }
  // Created by a script, not the page: the reveal page shows a non-zk1 secret as it is.
  const { secret_key: key } = await createSecret(web.app, { secret: 'from a script', passphrase: 'right', reveal_requires_passphrase: true })
  const browser = await launchBrowser(t)
  const page = await (await browser.newContext({ locale: 'en-US' })).newPage()
  await page.goto(`${web.base}/s/${key}`)
  const passphrase = page.getByLabel('Passphrase', { exact: true })
  const throttled = page.getByText('Too many wrong passphrases. Try again in 15 min.')
  for (let attempt = 1; attempt <= 3 && !(await throttled.isVisible()); attempt++) {
    await passphrase.fill(`wrong ${attempt}`)
    await page.getByRole('button', { name: 'Reveal the secret' }).click()
    await page.locator('#reveal-error').filter({ hasText: /wrong|Too many/ }).waitFor()
  }
  await throttled.waitFor()
  assert.equal(await countSecrets(web), 1)

  await passphrase.fill('right')
  const [answer] = await Promise.all([
    page.waitForResponse((res) => res.request().method() === 'GET' && res.url().endsWith(`/secret/${key}`)),
    page.getByRole('button', { name: 'Reveal the secret' }).click()
  ])
  assert.equal(answer.status(), 429)
  await throttled.waitFor()
  assert.equal(await countSecrets(web), 1, 'while locked, even the right passphrase reveals nothing')
})
