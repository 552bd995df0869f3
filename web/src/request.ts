// The request pages: /ask makes a request (the key pair is made here), /ask/:key answers it once,
// /inbox/:key shows whether it was answered and reveals the answer once, after a deliberate click.
import { ApiError, loadMe, NETWORK_ERROR, request, type WebConfig } from './api.ts'
import { byId, showError, showView, wireCopyButtons } from './dom.ts'
import { formatDuration, formatNumber, formatTime, initLocale, show, t } from './i18n.ts'
import type { MessageKey } from './locales/index.ts'
import { isPrivateKey, isPublicKey, maxAnswerBytes, newRequestKeys, openWith, sealTo } from './zkrequest.ts'

interface CreatedRequest { request_key: string, inbox_key: string, expires_at: string }
interface ShownRequest { status: 'open' | 'answered' | 'expired', note: string | null, expires_at: string }
interface InboxStatus { status: 'open' | 'answered' | 'revealed' | 'expired', expires_at: string }

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
  say(status, 'answer.open')
  const note = byId('answer-note', HTMLElement)
  // The requester wrote it: text only, never markup.
  note.textContent = shown.note ?? ''
  note.hidden = shown.note === null
  const expires = byId('answer-expires', HTMLParagraphElement)
  show(expires, () => t('answer.expires', { time: formatTime(shown.expires_at) }))
  expires.hidden = false
  form.hidden = false
  const maxBytes = maxAnswerBytes((await request<WebConfig>('GET', '/config.json').catch(() => ({ maxBytes: 65_536 }))).maxBytes)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void (async () => {
      const text = field.value
      if (text === '') return showError(error, t('answer.error.empty'))
      if (new TextEncoder().encode(text).length > maxBytes) return showError(error, t('answer.error.tooLarge', { max: formatNumber(maxBytes) }))
      showError(error, undefined)
      submit.disabled = true
      show(submit, () => t('answer.busy'))
      try {
        await request('POST', `/request/${key}/answer`, { body: { secret: await sealTo(fragment, text) } })
        field.value = ''
        form.hidden = true
        note.hidden = true
        expires.hidden = true
        say(status, 'answer.done')
      } catch (err) {
        submit.disabled = false
        show(submit, () => t('answer.submit'))
        if (err instanceof ApiError && err.code === 'REQUEST_ALREADY_ANSWERED') {
          form.hidden = true
          return say(status, 'answer.answered')
        }
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
  showView(byId('inbox-view', HTMLElement))
  refresh.addEventListener('click', () => { void check() })
  reveal.addEventListener('click', () => { void open() })
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
    say(status, `inbox.${current.status}`)
    show(expires, () => t('inbox.expires', { time: formatTime(current.expires_at) }))
    expires.hidden = current.status !== 'open' && current.status !== 'answered'
    reveal.hidden = current.status !== 'answered' || !isPrivateKey(fragment)
    refresh.hidden = current.status !== 'open'
  }

  async function open (): Promise<void> {
    reveal.disabled = true
    let secret: string
    try {
      ({ secret } = await request<{ secret: string }>('GET', `/request/inbox/${key}`))
    } catch (err) {
      reveal.disabled = false
      if (err instanceof ApiError && err.code === 'SECRET_NOT_FOUND') return await check()
      return showError(error, describe(err))
    }
    history.replaceState(null, '', location.pathname)
    reveal.hidden = true
    expires.hidden = true
    try {
      byId('inbox-text', HTMLTextAreaElement).value = await openWith(fragment, secret)
      say(status, 'inbox.revealed')
      byId('inbox-answer', HTMLDivElement).hidden = false
    } catch {
      showError(error, t('inbox.error.decrypt'))
    }
  }
}

function say (el: HTMLElement, message: MessageKey): void {
  show(el, () => t(message))
}

function describe (err: unknown): string {
  const code = err instanceof ApiError ? err.code : String(err)
  return code === NETWORK_ERROR ? t('error.network') : t('error.server', { code })
}
