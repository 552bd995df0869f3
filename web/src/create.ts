// The create page: encrypt in the browser, POST only the envelope, show the link with its #key.
import { ApiError, loadMe, NETWORK_ERROR, passphraseHeader, postFile, request, type Created, type WebConfig } from './api.ts'
import { byId, showError, showView, wireCopyButtons } from './dom.ts'
import { fileSource, uploadBody, wireFileField } from './files.ts'
import { formatDuration, formatNumber, formatSize, formatTime, initLocale, onLocaleChange, show, t } from './i18n.ts'
import { renderQr } from './qr.ts'
import { maxPlaintextBytes, seal } from './zk.ts'
import { sealedFileLength, sealFile, type FileInfo } from './zkfile.ts'

// Offered lifetimes; those outside the server's bounds are dropped, the bounds themselves added.
const TTL_PRESETS = [300, 900, 3600, 4 * 3600, 86_400, 3 * 86_400, 7 * 86_400, 30 * 86_400]

const form = byId('create-form', HTMLFormElement)
const secretField = byId('secret', HTMLTextAreaElement)
const sizeHint = byId('secret-size', HTMLParagraphElement)
const passphraseField = byId('passphrase', HTMLInputElement)
const requireRow = byId('require-row', HTMLDivElement)
const requireBox = byId('require-passphrase', HTMLInputElement)
const ttlSelect = byId('ttl', HTMLSelectElement)
const submit = byId('create-submit', HTMLButtonElement)
const createError = byId('create-error', HTMLParagraphElement)
const fileInput = byId('file', HTMLInputElement)

initLocale()
wireCopyButtons()
const config = await loadConfig()
await showAccount()
// WebCrypto exists only in secure contexts (HTTPS, or localhost): without it nothing can be sealed.
if (!window.isSecureContext) {
  showError(createError, t('error.insecure'))
  submit.disabled = true
}
const maxBytes = maxPlaintextBytes(config.maxBytes)
requireRow.hidden = !config.features.revealPassphrase
fillTtlChoices()
onLocaleChange(fillTtlChoices)
const renderSize = (): string => t('create.size', { used: formatNumber(byteLength(secretField.value)), max: formatNumber(maxBytes) })
show(sizeHint, renderSize)
secretField.addEventListener('input', () => {
  sizeHint.textContent = renderSize()
  sizeHint.classList.toggle('over', byteLength(secretField.value) > maxBytes)
})
const fileField = wireFileField(config.fileMaxBytes, 'create.file.hint', (file) => { if (file !== undefined) showError(createError, undefined) })
form.addEventListener('submit', (event) => {
  event.preventDefault()
  void create()
})
byId('another', HTMLButtonElement).addEventListener('click', () => {
  form.reset()
  fileField.clear()
  secretField.dispatchEvent(new Event('input'))
  fillTtlChoices()
  showView(byId('create-view', HTMLElement))
  secretField.focus()
})

/** Without the server's limits the form cannot offer valid choices: say so and wait for a retry. */
async function loadConfig (): Promise<WebConfig> {
  for (;;) {
    try {
      const loaded = await request<WebConfig>('GET', '/config.json')
      showError(createError, undefined)
      submit.disabled = false
      return loaded
    } catch {
      showError(createError, t('error.network'))
      submit.disabled = true
      await new Promise((resolve) => setTimeout(resolve, 5000))
    }
  }
}

function fillTtlChoices (): void {
  const chosen = ttlSelect.value === '' ? config.defaultTtlSeconds : Number(ttlSelect.value)
  const choices = new Set([config.minTtlSeconds, config.defaultTtlSeconds, config.maxTtlSeconds])
  for (const seconds of TTL_PRESETS) if (seconds > config.minTtlSeconds && seconds < config.maxTtlSeconds) choices.add(seconds)
  ttlSelect.replaceChildren(...[...choices].sort((a, b) => a - b).map((seconds) => new Option(formatDuration(seconds), String(seconds), seconds === config.defaultTtlSeconds, seconds === chosen)))
}

async function create (): Promise<void> {
  const secret = secretField.value
  const passphrase = passphraseField.value
  const requirePassphrase = config.features.revealPassphrase && requireBox.checked
  const file = fileField.chosen()
  if (secret === '' && file === undefined) return fail(t(config.fileMaxBytes === undefined ? 'create.error.empty' : 'create.error.emptyOrFile'), secretField)
  if (byteLength(secret) > maxBytes) return fail(t('create.error.tooLarge', { max: formatNumber(maxBytes) }), secretField)
  const info: FileInfo | undefined = file === undefined ? undefined : { name: file.name, type: file.type, ...(secret === '' ? {} : { text: secret }) }
  if (file !== undefined && info !== undefined && sealedFileLength(info, file.size) > (config.fileMaxBytes ?? 0)) {
    return fail(t('create.error.fileTooLarge', { max: formatSize(config.fileMaxBytes ?? 0) }), fileInput)
  }
  if (requirePassphrase && passphrase === '') return fail(t('create.error.requirePassphrase'), passphraseField)
  showError(createError, undefined)
  submit.disabled = true
  show(submit, () => t('create.busy'))
  try {
    if (file !== undefined && info !== undefined) {
      const { created, key } = await createFile(file, info, passphrase, requirePassphrase)
      showResult(created, key, requirePassphrase)
      return
    }
    const sealed = await seal(secret)
    const created = await request<Created>('POST', '/secret', {
      body: {
        secret: sealed.envelope,
        ttl_seconds: Number(ttlSelect.value),
        ...(passphrase === '' ? {} : { passphrase }),
        ...(requirePassphrase ? { reveal_requires_passphrase: true } : {})
      }
    })
    showResult(created, sealed.key, requirePassphrase)
  } catch (err) {
    if (err instanceof DOMException && err.name === 'NotReadableError') return fail(t('create.error.fileRead'), fileInput)
    if (err instanceof ApiError && err.code === 'SECRET_TOO_LARGE' && file !== undefined) {
      return fail(t('create.error.fileTooLarge', { max: formatSize(config.fileMaxBytes ?? 0) }), fileInput)
    }
    fail(err instanceof ApiError && err.code === NETWORK_ERROR ? t('error.network') : t('error.server', { code: err instanceof ApiError ? err.code : String(err) }))
  } finally {
    submit.disabled = false
    show(submit, () => t('create.submit'))
  }
}

/** Encrypts the file a chunk at a time (files.ts says how the upload keeps it out of the heap). */
async function createFile (file: File, info: FileInfo, passphrase: string, requirePassphrase: boolean): Promise<{ created: Created, key: string }> {
  const sealed = await sealFile(info, fileSource(file))
  const body = await uploadBody(sealed.parts)
  show(submit, () => t('create.uploading'))
  const query = new URLSearchParams({ ttl_seconds: ttlSelect.value })
  if (requirePassphrase) query.set('reveal_requires_passphrase', 'true')
  const created = await postFile(`/file?${query.toString()}`, body, passphrase === '' ? {} : passphraseHeader(passphrase))
  return { created, key: sealed.key }
}

function showResult (created: Created, fragmentKey: string, requirePassphrase: boolean): void {
  // The fragment (after #) is never sent in an HTTP request: only the link's holder can decrypt.
  const link = `${location.origin}/s/${created.secret_key}#${fragmentKey}`
  byId('link', HTMLInputElement).value = link
  renderQr(byId('qr', HTMLElement), link)
  show(byId('expires', HTMLParagraphElement), () => t('result.expires', { time: formatTime(created.expires_at) }))
  byId('passphrase-note', HTMLParagraphElement).hidden = !requirePassphrase
  const receiptBlock = byId('receipt-block', HTMLDivElement)
  receiptBlock.hidden = created.receipt_key === undefined
  if (created.receipt_key !== undefined) byId('receipt', HTMLInputElement).value = `${location.origin}/r/${created.receipt_key}`
  // Nothing secret stays in the form once the link exists.
  form.reset()
  fileField.clear()
  showView(byId('result-view', HTMLElement))
}

function fail (message: string, field?: HTMLElement): void {
  showError(createError, message)
  field?.focus()
}

function byteLength (text: string): number {
  return new TextEncoder().encode(text).length
}

/** Signed in: who, and a link to their secrets. Where only users may create: a sign-in link. */
async function showAccount (): Promise<void> {
  const me = await loadMe()
  const line = byId('account-line', HTMLParagraphElement)
  const who = byId('account-who', HTMLSpanElement)
  const link = byId('account-link', HTMLAnchorElement)
  if (me.signed_in) {
    show(who, () => t('account.signedInAs', { email: me.email ?? '' }))
    show(link, () => t('account.title'))
  } else if (me.creators === 'signed-in') {
    show(who, () => t('account.signInToCreate'))
    show(link, () => t('account.signIn'))
    link.href = '/account/sign-in'
  } else {
    return
  }
  line.hidden = false
}
