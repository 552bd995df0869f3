// The create page: encrypt in the browser, POST only the envelope, show the link with its #key.
import { ApiError, loadMe, NETWORK_ERROR, passphraseHeader, postFile, request, type Created, type WebConfig } from './api.ts'
import { byId, showError, showView, wireCopyButtons } from './dom.ts'
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
const fileField = byId('file-field', HTMLDivElement)
const fileInput = byId('file', HTMLInputElement)
const dropZone = byId('drop-zone', HTMLDivElement)
const fileChosenRow = byId('file-chosen-row', HTMLDivElement)
const fileChosen = byId('file-chosen', HTMLParagraphElement)

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
form.addEventListener('submit', (event) => {
  event.preventDefault()
  void create()
})
wireFileField()
byId('another', HTMLButtonElement).addEventListener('click', () => {
  form.reset()
  fileChanged()
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
  const file = chosenFile()
  if (secret === '' && file === undefined) return fail(t(fileField.hidden ? 'create.error.empty' : 'create.error.emptyOrFile'), secretField)
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

/**
 * Encrypts the file a chunk at a time and uploads the chunks as one Blob: the browser holds a Blob's
 * parts outside the script's heap, so a large file never sits in JavaScript memory whole. (A
 * streamed request body would avoid even that, but Chromium streams uploads only over HTTP/2.)
 */
async function createFile (file: File, info: FileInfo, passphrase: string, requirePassphrase: boolean): Promise<{ created: Created, key: string }> {
  const sealed = await sealFile(info, {
    size: file.size,
    read: async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer())
  })
  const parts: Blob[] = []
  for await (const part of sealed.parts) parts.push(new Blob([part]))
  const body = new Blob(parts, { type: 'application/octet-stream' })
  show(submit, () => t('create.uploading'))
  const query = new URLSearchParams({ ttl_seconds: ttlSelect.value })
  if (requirePassphrase) query.set('reveal_requires_passphrase', 'true')
  const created = await postFile(`/file?${query.toString()}`, body, passphrase === '' ? {} : passphraseHeader(passphrase))
  return { created, key: sealed.key }
}

/** One file, picked or dropped; offered only when the server takes files (fileMaxBytes). */
function wireFileField (): void {
  fileField.hidden = config.fileMaxBytes === undefined
  if (fileField.hidden) return
  const limit = config.fileMaxBytes ?? 0
  show(byId('file-hint', HTMLParagraphElement), () => t('create.file.hint', { max: formatSize(limit) }))
  fileInput.addEventListener('change', fileChanged)
  byId('file-remove', HTMLButtonElement).addEventListener('click', () => {
    fileInput.value = ''
    fileChanged()
    fileInput.focus()
  })
  // A file dropped anywhere else would make the browser open it in place of the page.
  for (const type of ['dragover', 'drop'] as const) window.addEventListener(type, (event) => { event.preventDefault() })
  dropZone.addEventListener('dragover', () => { dropZone.classList.add('dragging') })
  dropZone.addEventListener('dragleave', () => { dropZone.classList.remove('dragging') })
  dropZone.addEventListener('drop', (event) => {
    dropZone.classList.remove('dragging')
    const dropped = event.dataTransfer?.files
    if (dropped === undefined || dropped.length === 0) return
    const one = new DataTransfer()
    one.items.add(dropped[0] as File)
    fileInput.files = one.files
    fileChanged()
  })
}

function chosenFile (): File | undefined {
  return fileField.hidden ? undefined : fileInput.files?.[0]
}

/** The chosen file's name is shown as text only (textContent), whatever characters it has. */
function fileChanged (): void {
  const file = chosenFile()
  fileChosenRow.hidden = file === undefined
  if (file === undefined) return
  show(fileChosen, () => t('create.file.chosen', { name: file.name, size: formatSize(file.size) }))
  showError(createError, undefined)
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
  fileChanged()
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
