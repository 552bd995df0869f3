// The receipt page: what happened to a secret, from its receipt key; reading it consumes nothing.
import { ApiError, NETWORK_ERROR, request, type Receipt } from './api.ts'
import { byId, showError } from './dom.ts'
import { formatTime, initLocale, show, t } from './i18n.ts'
import type { MessageKey } from './locales/en.ts'

// Already URL-encoded as the browser holds it: reused as is (decoding could throw on a bad %xx).
const receiptKey = location.pathname.split('/').pop() ?? ''
const statusLine = byId('receipt-status', HTMLParagraphElement)
const details = byId('receipt-details', HTMLDListElement)
const errorLine = byId('receipt-error', HTMLParagraphElement)

initLocale()
byId('receipt-refresh', HTMLButtonElement).addEventListener('click', () => { void load() })
await load()

async function load (): Promise<void> {
  showError(errorLine, undefined)
  try {
    const receipt = await request<Receipt>('GET', `/receipt/${receiptKey}`)
    show(statusLine, () => t(`receipt.status.${receipt.status}` as MessageKey))
    statusLine.dataset.status = receipt.status
    const rows: Array<[MessageKey, () => string]> = []
    const when = (label: MessageKey, iso: string | null): void => { if (iso !== null) rows.push([label, () => formatTime(iso)]) }
    when('receipt.created', receipt.created_at)
    when('receipt.expires', receipt.status === 'waiting' ? receipt.expires_at : null)
    when('receipt.revealedAt', receipt.revealed_at)
    if (receipt.revealed_by_ip !== null) rows.push(['receipt.revealedBy', () => receipt.revealed_by_ip ?? ''])
    when('receipt.deletedAt', receipt.deleted_at)
    when('receipt.expiredAt', receipt.expired_at)
    details.replaceChildren()
    for (const [label, render] of rows) {
      const dt = document.createElement('dt')
      const dd = document.createElement('dd')
      show(dt, () => t(label))
      show(dd, render)
      details.append(dt, dd)
    }
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      show(statusLine, () => t('receipt.unknown'))
      details.replaceChildren()
      return
    }
    showError(errorLine, err instanceof ApiError && err.code === NETWORK_ERROR ? t('error.network') : t('error.server', { code: err instanceof ApiError ? err.code : String(err) }))
  }
}
