// The request pages: /ask makes a request (the key pair is made here), /ask/:key answers it once,
// with text or a file, and /inbox/:key shows whether it was answered and reveals the answer once,
// after a deliberate click.
import { ApiError, errorFrom, loadMe, NETWORK_ERROR, postFile, request, type WebConfig } from './api.ts'
import { byId, showError, showView, wireCopyButtons } from './dom.ts'
import { fileSource, offerFile, receiveFile, uploadBody, wireFileField } from './files.ts'
import { formatDuration, formatNumber, formatSize, formatTime, initLocale, show, t } from './i18n.ts'
import type { MessageKey } from './locales/index.ts'
import { EnvelopeError, type FileInfo, type OpenedFile } from './zkfile.ts'
import { isPrivateKey, isPublicKey, maxAnswerBytes, newRequestKeys, openFileWith, openWith, sealedAnswerFileLength, sealFileTo, sealTo } from './zkrequest.ts'

interface CreatedRequest { request_key: string, inbox_key: string, expires_at: string }
interface ShownRequest { status: 'open' | 'answered' | 'expired', note: string | null, expires_at: string }
/** `answer_kind` is null while unanswered, and absent on a server from before file answers. */
interface InboxStatus { status: 'open' | 'answered' | 'revealed' | 'expired', expires_at: string, answer_kind?: 'text' | 'file' | null }

const TTL_PRESETS = [3600, 4 * 3600, 86_400, 3 * 86_400, 7 * 86_400]
const [, area = '', key = ''] = location.pathname.split('/')
const fragment = location.hash.slice(1)

initLocale()
wireCopyButtons()
if (area === 'inbox') await inbox()
else if (key !== '') await answer()
else await ask()

async function ask (): Promise<void> {
  const form = byId('ask-form', HTMLFormElement)
  const ttl = byId('ask-ttl', HTMLSelectElement)
  const error = byId('ask-error', HTMLParagraphElement)
  const submit = byId('ask-submit', HTMLButtonElement)
  showView(byId('ask-view', HTMLElement))
  // Making a request is a create: signed in, it goes with the session and its CSRF token. Answering
  // and the inbox never load the session (their links are the capability).
  await loadMe()
  const config = await request<WebConfig>('GET', '/config.json').catch(() => undefined)
  if (config !== undefined) {
    const choices = new Set([config.minTtlSeconds, config.defaultTtlSeconds, config.maxTtlSeconds, ...TTL_PRESETS.filter((s) => s > config.minTtlSeconds && s < config.maxTtlSeconds)])
    ttl.replaceChildren(...[...choices].sort((a, b) => a - b).map((s) => new Option(formatDuration(s), String(s), s === config.defaultTtlSeconds, s === config.defaultTtlSeconds)))
  }
  if (!window.isSecureContext) {
    showError(error, t('error.insecure'))
    submit.disabled = true
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void (async () => {
      submit.disabled = true
      showError(error, undefined)
      try {
        const keys = await newRequestKeys()
        const note = byId('ask-note', HTMLTextAreaElement).value.trim()
        const created = await request<CreatedRequest>('POST', '/request', {
          body: { ...(note === '' ? {} : { note }), ...(ttl.value === '' ? {} : { ttl_seconds: Number(ttl.value) }) }
        })
        byId('request-link', HTMLInputElement).value = `${location.origin}/ask/${created.request_key}#${keys.publicKey}`
        byId('inbox-link', HTMLInputElement).value = `${location.origin}/inbox/${created.inbox_key}#${keys.privateKey}`
        show(byId('asked-expires', HTMLParagraphElement), () => t('asked.expires', { time: formatTime(created.expires_at) }))
        showView(byId('asked-view', HTMLElement))
      } catch (err) {
        submit.disabled = false
        showError(error, describe(err))
      }
    })()
  })
}

async function answer (): Promise<void> {
  const status = byId('answer-status', HTMLParagraphElement)
  const form = byId('answer-form', HTMLFormElement)
  const field = byId('answer-secret', HTMLTextAreaElement)
  const fieldHint = byId('answer-secret-hint', HTMLParagraphElement)
  const fileInput = byId('file', HTMLInputElement)
  const error = byId('answer-error', HTMLParagraphElement)
  const submit = byId('answer-submit', HTMLButtonElement)
  showView(byId('answer-view', HTMLElement))
  if (!isPublicKey(fragment)) return say(status, 'answer.noKey')
  let shown: ShownRequest
  try {
    shown = await request<ShownRequest>('GET', `/request/${key}`)
  } catch (err) {
    return err instanceof ApiError && err.code === 'REQUEST_NOT_FOUND' ? say(status, 'answer.gone') : showError(error, describe(err))
  }
  if (shown.status !== 'open') return say(status, shown.status === 'answered' ? 'answer.answered' : 'answer.gone')
  const config = await request<WebConfig>('GET', '/config.json').catch(() => undefined)
  const maxBytes = maxAnswerBytes(config?.maxBytes ?? 65_536)
  // Without the server's word that it takes files, the holder is offered text alone.
  const fileMaxBytes = config?.fileMaxBytes
  say(status, fileMaxBytes === undefined ? 'answer.open' : 'answer.openFile')
  const note = byId('answer-note', HTMLElement)
  // The requester wrote it: text only, never markup.
  note.textContent = shown.note ?? ''
  note.hidden = shown.note === null
  const expires = byId('answer-expires', HTMLParagraphElement)
  show(expires, () => t('answer.expires', { time: formatTime(shown.expires_at) }))
  expires.hidden = false
  form.hidden = false
  const infoOf = (file: File): FileInfo => ({ name: file.name, type: file.type, ...(field.value === '' ? {} : { text: field.value }) })
  const fileTooLarge = (file: File): boolean => sealedAnswerFileLength(infoOf(file), file.size) > (fileMaxBytes ?? 0)
  const fileTooLargeMessage = (): string => t('create.error.fileTooLarge', { max: formatSize(fileMaxBytes ?? 0) })
  // Said as soon as the file is attached, not only after the holder has written a note for it.
  const attached = wireFileField(fileMaxBytes, 'answer.file.hint', (file) => {
    fieldHint.hidden = file === undefined
    showError(error, file !== undefined && fileTooLarge(file) ? fileTooLargeMessage() : undefined)
  })
  const fail = (message: string, focus: HTMLElement): void => {
    showError(error, message)
    focus.focus()
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void (async () => {
      const text = field.value
      const file = attached.chosen()
      if (text === '' && file === undefined) return fail(t(fileMaxBytes === undefined ? 'answer.error.empty' : 'answer.error.emptyOrFile'), field)
      if (new TextEncoder().encode(text).length > maxBytes) return fail(t('answer.error.tooLarge', { max: formatNumber(maxBytes) }), field)
      if (file !== undefined && fileTooLarge(file)) return fail(fileTooLargeMessage(), fileInput)
      showError(error, undefined)
      submit.disabled = true
      show(submit, () => t(file === undefined ? 'answer.busy' : 'create.busy'))
      try {
        if (file === undefined) {
          await request('POST', `/request/${key}/answer`, { body: { secret: await sealTo(fragment, text) } })
        } else {
          const sealed = await sealFileTo(fragment, infoOf(file), fileSource(file))
          const body = await uploadBody(sealed.parts)
          show(submit, () => t('create.uploading'))
          await postFile(`/request/${key}/answer`, body)
        }
        // Nothing secret stays in the page once it is sent.
        field.value = ''
        attached.clear()
        form.hidden = true
        note.hidden = true
        expires.hidden = true
        say(status, file === undefined ? 'answer.done' : 'answer.doneFile')
      } catch (err) {
        submit.disabled = false
        show(submit, () => t('answer.submit'))
        const code = err instanceof ApiError ? err.code : undefined
        if (code === 'REQUEST_ALREADY_ANSWERED' || code === 'REQUEST_NOT_FOUND') {
          form.hidden = true
          return say(status, code === 'REQUEST_NOT_FOUND' ? 'answer.gone' : 'answer.answered')
        }
        if (err instanceof DOMException && err.name === 'NotReadableError') return fail(t('create.error.fileRead'), fileInput)
        if (code === 'SECRET_TOO_LARGE' && file !== undefined) return fail(fileTooLargeMessage(), fileInput)
        // Another holder's upload holds the request: theirs may still fail, and then this one may go.
        if (code === 'REQUEST_ANSWER_IN_PROGRESS') return showError(error, t('answer.error.inProgress'))
        if (code === 'STORAGE_QUOTA_EXCEEDED') return showError(error, t('answer.error.quota'))
        showError(error, describe(err))
      }
    })()
  })
}

async function inbox (): Promise<void> {
  const status = byId('inbox-status', HTMLParagraphElement)
  const expires = byId('inbox-expires', HTMLParagraphElement)
  const error = byId('inbox-error', HTMLParagraphElement)
  const reveal = byId('inbox-reveal', HTMLButtonElement)
  const refresh = byId('inbox-refresh', HTMLButtonElement)
  // Learnt from the status before the click: a file answer comes from …/file, not the JSON read.
  let isFile = false
  showView(byId('inbox-view', HTMLElement))
  refresh.addEventListener('click', () => { void check() })
  reveal.addEventListener('click', () => { void (isFile ? openFile(true) : open(true)) })
  await check()

  // Consumes nothing: the page shows the state, and only the Reveal click takes the answer.
  async function check (): Promise<void> {
    let current: InboxStatus
    try {
      current = await request<InboxStatus>('GET', `/request/inbox/${key}/status`)
    } catch (err) {
      if (err instanceof ApiError && err.code === 'REQUEST_NOT_FOUND') return say(status, 'inbox.gone')
      return showError(error, describe(err))
    }
    isFile = current.answer_kind === 'file'
    // A file is said to be one before the click: one download, consumed even if it breaks off.
    say(status, current.status === 'answered' && isFile ? 'inbox.answeredFile' : `inbox.${current.status}`)
    say(reveal, isFile ? 'inbox.revealFile' : 'inbox.reveal')
    show(expires, () => t('inbox.expires', { time: formatTime(current.expires_at) }))
    expires.hidden = current.status !== 'open' && current.status !== 'answered'
    reveal.hidden = current.status !== 'answered' || !isPrivateKey(fragment)
    refresh.hidden = current.status !== 'open'
  }

  /** The text answer; `retry`: the status could not say it is a file (an older page state). */
  async function open (retry: boolean): Promise<void> {
    reveal.disabled = true
    let secret: string
    try {
      ({ secret } = await request<{ secret: string }>('GET', `/request/inbox/${key}`))
    } catch (err) {
      reveal.disabled = false
      if (err instanceof ApiError && err.code === 'SECRET_NOT_FOUND') return await check()
      if (err instanceof ApiError && err.code === 'SECRET_IS_FILE' && retry) return await openFile(false)
      return showError(error, describe(err))
    }
    history.replaceState(null, '', location.pathname)
    reveal.hidden = true
    expires.hidden = true
    try {
      byId('inbox-text', HTMLTextAreaElement).value = await openWith(fragment, secret)
      say(status, 'inbox.revealedHere')
      byId('inbox-answer', HTMLDivElement).hidden = false
    } catch {
      showError(error, t('inbox.error.decrypt'))
    }
  }

  /**
   * GET …/file consumes the answer before its first byte; it is decrypted as it arrives and saved
   * the way the reveal page saves a file (files.ts): only once it has decrypted whole.
   */
  async function openFile (retry: boolean): Promise<void> {
    reveal.disabled = true
    say(reveal, 'reveal.busyFile')
    let res: Response
    try {
      res = await fetch(`/request/inbox/${key}/file`, { headers: { accept: 'application/octet-stream' }, cache: 'no-store', credentials: 'omit' })
      if (!res.ok || res.body === null) throw await errorFrom(res)
    } catch (err) {
      reveal.disabled = false
      say(reveal, 'inbox.revealFile')
      const code = err instanceof ApiError ? err.code : NETWORK_ERROR
      if (code === 'SECRET_NOT_FOUND') return await check()
      if (code === 'SECRET_IS_TEXT' && retry) return await open(false)
      return showError(error, describe(err instanceof ApiError ? err : new ApiError(0, NETWORK_ERROR)))
    }
    history.replaceState(null, '', location.pathname)
    reveal.hidden = true
    expires.hidden = true
    let opened: OpenedFile
    let blob: Blob
    try {
      opened = await openFileWith(fragment, res.body)
      blob = await receiveFile(opened)
    } catch (err) {
      return showError(error, t(err instanceof EnvelopeError ? 'inbox.error.decryptFile' : 'inbox.error.broken'))
    }
    say(status, 'inbox.revealedHere')
    byId('inbox-file', HTMLDivElement).hidden = false
    offerFile(opened.meta, blob)
  }
}

function say (el: HTMLElement, message: MessageKey): void {
  show(el, () => t(message))
}

function describe (err: unknown): string {
  const code = err instanceof ApiError ? err.code : String(err)
  return code === NETWORK_ERROR ? t('error.network') : t('error.server', { code })
}
