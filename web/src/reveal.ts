// The reveal page: loading it reads nothing; only the Reveal button consumes the secret.
import { ApiError, NETWORK_ERROR, passphraseHeader, request, type SecretStatus } from './api.ts'
import { byId, showError, showView, wireCopyButtons } from './dom.ts'
import { formatTime, initLocale, show, t } from './i18n.ts'
import { isEnvelope, isKey, open } from './zk.ts'

// Already URL-encoded as the browser holds it: reused as is (decoding could throw on a bad %xx).
const secretKey = location.pathname.split('/').pop() ?? ''
const fragmentKey = location.hash.slice(1)
const status = byId('reveal-status', HTMLParagraphElement)
const expires = byId('reveal-expires', HTMLParagraphElement)
const form = byId('reveal-form', HTMLFormElement)
const passphraseField = byId('reveal-passphrase-field', HTMLDivElement)
const passphraseInput = byId('reveal-passphrase', HTMLInputElement)
const submit = byId('reveal-submit', HTMLButtonElement)
const revealError = byId('reveal-error', HTMLParagraphElement)

initLocale()
wireCopyButtons()
// Links made here always carry a key; warn before the click that would burn an unreadable secret.
byId('no-key', HTMLParagraphElement).hidden = isKey(fragmentKey)
await checkStatus()
// Without WebCrypto (plain http:// on a remote host) a zk1 secret would be burnt but not decrypted.
if (!window.isSecureContext && isKey(fragmentKey)) {
  showError(revealError, t('error.insecure'))
  submit.disabled = true
}
form.addEventListener('submit', (event) => {
  event.preventDefault()
  void reveal()
})

/** GET …/status consumes nothing; a server without that endpoint answers ROUTE_NOT_FOUND. */
async function checkStatus (): Promise<void> {
  try {
    const waiting = await request<SecretStatus>('GET', `/secret/${secretKey}/status`)
    show(status, () => t('reveal.waiting'))
    show(expires, () => t('reveal.expires', { time: formatTime(waiting.expires_at) }))
    expires.hidden = false
    passphraseField.hidden = !waiting.requires_passphrase
  } catch (err) {
    if (err instanceof ApiError && err.code === 'SECRET_NOT_FOUND') return gone()
    // Status unknown (older server, network): still offer the button; Reveal gives the verdict.
    show(status, () => t('reveal.unknown'))
  }
  form.hidden = false
}

async function reveal (): Promise<void> {
  const passphrase = passphraseInput.value
  if (!passphraseField.hidden && passphrase === '') {
    showError(revealError, t('reveal.error.passphraseRequired'))
    passphraseInput.focus()
    return
  }
  showError(revealError, undefined)
  submit.disabled = true
  show(submit, () => t('reveal.busy'))
  let secret: string
  try {
    ({ secret } = await request<{ secret: string }>('GET', `/secret/${secretKey}`, {
      headers: passphrase === '' ? {} : passphraseHeader(passphrase)
    }))
  } catch (err) {
    submit.disabled = false
    show(submit, () => t('reveal.button'))
    return failed(err)
  }
  // The fragment key has done its job: drop it from the address bar and the session history.
  history.replaceState(null, '', location.pathname)
  let plaintext = secret
  if (isEnvelope(secret)) {
    try {
      plaintext = await open(secret, fragmentKey)
    } catch {
      show(byId('gone-title', HTMLHeadingElement), () => t('gone.title'))
      show(byId('gone-body', HTMLParagraphElement), () => t('reveal.error.decrypt'))
      showView(byId('gone-view', HTMLElement))
      return
    }
  }
  byId('secret-text', HTMLTextAreaElement).value = plaintext
  showView(byId('secret-view', HTMLElement))
}

function failed (err: unknown): void {
  const code = err instanceof ApiError ? err.code : String(err)
  if (code === 'SECRET_NOT_FOUND') return gone()
  if (code === 'SECRET_PASSPHRASE_REQUIRED' || code === 'SECRET_PASSPHRASE_WRONG') {
    passphraseField.hidden = false
    showError(revealError, t(code === 'SECRET_PASSPHRASE_REQUIRED' ? 'reveal.error.passphraseRequired' : 'reveal.error.passphraseWrong'))
    passphraseInput.select()
    passphraseInput.focus()
    return
  }
  if (err instanceof ApiError && err.status === 429) {
    showError(revealError, t('reveal.error.throttled', { minutes: Math.max(1, Math.ceil((err.retryAfterSeconds ?? 60) / 60)) }))
    return
  }
  showError(revealError, code === NETWORK_ERROR ? t('error.network') : t('error.server', { code }))
}

function gone (): void {
  showView(byId('gone-view', HTMLElement))
}
