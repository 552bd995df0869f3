// The account page: who is signed in, the secrets, files and requests they created (and deleting
// an unread secret or file; a request is not deleted here, it lapses on its own), and
// their API tokens. Everything comes from the server's JSON; the page holds no secret.
import { ApiError, loadMe, request } from './api.ts'
import { byId, showError } from './dom.ts'
import { formatTime, initLocale, show, t } from './i18n.ts'
import type { MessageKey } from './locales/en.ts'

interface Mine {
  ref: string
  kind: 'text' | 'file' | 'request'
  created_at: string
  expires_at: string
  status: 'waiting' | 'open' | 'answered' | 'revealed' | 'deleted' | 'expired'
  ended_at: string | null
  answered_at: string | null
}
interface Token { name: string, created_at: string, last_used_at: string | null, revoked_at: string | null }

const errorLine = byId('account-error', HTMLParagraphElement)
const secretsList = byId('account-secrets', HTMLUListElement)
const tokensList = byId('account-tokens', HTMLUListElement)

initLocale()
const me = await loadMe()
if (me.signed_in) {
  byId('account-in', HTMLDivElement).hidden = false
  show(byId('account-email', HTMLSpanElement), () => t('account.signedInAs', { email: me.email ?? '' }))
  byId('account-sign-out', HTMLButtonElement).addEventListener('click', () => { void act(async () => { await request('POST', '/account/sign-out'); location.assign('/') }) })
  byId('token-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault()
    const name = byId('token-name', HTMLInputElement)
    void act(async () => {
      const created = await request<{ token: string }>('POST', '/account/tokens', { body: { name: name.value.trim() } })
      byId('token-value', HTMLInputElement).value = created.token
      byId('token-new', HTMLDivElement).hidden = false
      name.value = ''
      await loadTokens()
    })
  })
  await act(async () => { await Promise.all([loadSecrets(), loadTokens()]) })
} else {
  byId('account-out', HTMLDivElement).hidden = false
}

async function act (work: () => Promise<void>): Promise<void> {
  showError(errorLine, undefined)
  try {
    await work()
  } catch (err) {
    showError(errorLine, err instanceof ApiError ? err.detail ?? err.code : String(err))
  }
}

function item (parts: Array<() => string>, action?: { label: MessageKey, run: () => Promise<void> }): HTMLLIElement {
  const li = document.createElement('li')
  for (const render of parts) {
    const span = document.createElement('span')
    show(span, render)
    li.append(span)
  }
  if (action !== undefined) {
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'secondary'
    show(button, () => t(action.label))
    button.addEventListener('click', () => { void act(action.run) })
    li.append(button)
  }
  return li
}

async function loadSecrets (): Promise<void> {
  const { secrets } = await request<{ secrets: Mine[] }>('GET', '/account/secrets')
  byId('account-empty', HTMLParagraphElement).hidden = secrets.length > 0
  secretsList.replaceChildren(...secrets.map((s) => {
    const li = item([
      () => t(`account.kind.${s.kind}`),
      () => `${t('account.created')} ${formatTime(s.created_at)}`,
      () => s.status === 'waiting' || s.status === 'open'
        ? `${t(`account.status.${s.status}`)} · ${t('account.expires')} ${formatTime(s.expires_at)}`
        : s.status === 'answered'
          ? `${t('account.status.answered', { time: formatTime(s.answered_at ?? s.created_at) })} · ${t('account.expires')} ${formatTime(s.expires_at)}`
          : t(`account.status.${s.status}`, { time: formatTime(s.ended_at ?? s.expires_at) })
    ], s.status === 'waiting' ? { label: 'account.delete', run: async () => { await request('DELETE', `/account/secrets/${s.ref}`); await loadSecrets() } } : undefined)
    li.dataset.status = s.status
    return li
  }))
}

async function loadTokens (): Promise<void> {
  const { tokens } = await request<{ tokens: Token[] }>('GET', '/account/tokens')
  tokensList.replaceChildren(...tokens.map((token) => item([
    () => token.name,
    () => token.revoked_at !== null
      ? t('account.tokens.revoked', { time: formatTime(token.revoked_at) })
      : token.last_used_at === null ? t('account.tokens.never') : t('account.tokens.lastUsed', { time: formatTime(token.last_used_at) })
  ], token.revoked_at === null ? { label: 'account.tokens.revoke', run: async () => { await request('DELETE', `/account/tokens/${encodeURIComponent(token.name)}`); await loadTokens() } } : undefined)))
}
