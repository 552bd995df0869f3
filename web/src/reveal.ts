// The reveal page: loading it reads nothing; only the Reveal button consumes the secret.
import { ApiError, errorFrom, NETWORK_ERROR, passphraseHeader, request, type SecretStatus } from './api.ts'
import { byId, showError, showView, wireCopyButtons } from './dom.ts'
import { offerFile, receiveFile } from './files.ts'
import { formatTime, initLocale, show, t } from './i18n.ts'
import { isEnvelope, isKey, open } from './zk.ts'
import { EnvelopeError, openFile, type OpenedFile } from './zkfile.ts'

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
// Learnt from the status before the click: a file is fetched from GET /file/{key}, not /secret.
let isFile = false

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
    isFile = waiting.kind === 'file'
    // Said before the click: one download, and the click consumes it even if the transfer breaks off.
    show(status, () => t(isFile ? 'reveal.waitingFile' : 'reveal.waiting'))
    show(submit, () => t(isFile ? 'reveal.buttonFile' : 'reveal.button'))
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
  show(submit, () => t(isFile ? 'reveal.busyFile' : 'reveal.busy'))
  const headers = passphrase === '' ? {} : passphraseHeader(passphrase)
  if (isFile) return await revealFile(headers)
  let secret: string
  try {
    ({ secret } = await request<{ secret: string }>('GET', `/secret/${secretKey}`, { headers }))
  } catch (err) {
    // The status could not say what it is (an older server, a network blip): the read tells.
    if (err instanceof ApiError && err.code === 'SECRET_IS_FILE') {
      isFile = true
      return await revealFile(headers)
    }
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

/**
 * GET /file/{key} consumes the file as the answer starts. The chunks are decrypted as they arrive;
 * only a file that decrypted whole is offered, as a download that the browser never renders.
 */
async function revealFile (headers: Record<string, string>): Promise<void> {
  let res: Response
  try {
    res = await fetch(`/file/${secretKey}`, { headers: { accept: 'application/octet-stream', ...headers }, cache: 'no-store', credentials: 'omit' })
    if (!res.ok || res.body === null) throw await errorFrom(res)
  } catch (err) {
    submit.disabled = false
    show(submit, () => t('reveal.buttonFile'))
    return failed(err instanceof ApiError ? err : new ApiError(0, NETWORK_ERROR))
  }
  history.replaceState(null, '', location.pathname)
  let opened: OpenedFile
  let blob: Blob
  try {
    opened = await openFile(res.body, fragmentKey)
    blob = await receiveFile(opened)
  } catch (err) {
    show(byId('gone-title', HTMLHeadingElement), () => t('gone.title'))
    show(byId('gone-body', HTMLParagraphElement), () => t(err instanceof EnvelopeError ? 'reveal.error.decryptFile' : 'reveal.error.broken'))
    showView(byId('gone-view', HTMLElement))
    return
  }
  showView(byId('file-view', HTMLElement))
  offerFile(opened.meta, blob)
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
