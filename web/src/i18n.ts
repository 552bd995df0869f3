// Picks the page language (saved choice, else the browser's) and re-renders every string on a switch.
import { LOCALES, type Locale, type MessageKey } from './locales/index.ts'

const STORAGE_KEY = 'burnlink.lang'

let current: Locale = isLocale(document.documentElement.lang) ? document.documentElement.lang : 'en'
// Text set by code (with values such as a time) re-renders through these on a language switch.
const renderers = new Map<Element, () => string>()
const listeners: Array<() => void> = []

export function isLocale (value: string): value is Locale {
  return Object.hasOwn(LOCALES, value)
}

export function locale (): Locale {
  return current
}

/** A message in the current language; `{name}` placeholders are replaced from params. */
export function t (key: MessageKey, params: Record<string, string | number> = {}): string {
  return LOCALES[current][key].replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole))
}

/** Sets an element's text now and again after every language switch. */
export function show (el: Element, render: () => string): void {
  renderers.set(el, render)
  el.textContent = render()
}

export function onLocaleChange (listener: () => void): void {
  listeners.push(listener)
}

export function formatNumber (value: number): string {
  return new Intl.NumberFormat(current).format(value)
}

/** "20 MB", "1,5 КБ": binary multiples, as file managers show sizes, in the language's units. */
export function formatSize (bytes: number): string {
  const units = [['gigabyte', 1024 ** 3], ['megabyte', 1024 ** 2], ['kilobyte', 1024]] as const
  const [unit, size] = units.find(([, s]) => bytes >= s) ?? ['byte', 1]
  return new Intl.NumberFormat(current, { style: 'unit', unit, unitDisplay: 'short', maximumFractionDigits: 1 }).format(bytes / size)
}

export function formatTime (iso: string): string {
  return new Intl.DateTimeFormat(current, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso))
}

/** "5 minutes", "3 дня": the largest whole unit, with the language's own plural rules. */
export function formatDuration (seconds: number): string {
  const units = [['day', 86_400], ['hour', 3600], ['minute', 60], ['second', 1]] as const
  const [unit, size] = units.find(([, s]) => seconds % s === 0) ?? units[3]
  return new Intl.NumberFormat(current, { style: 'unit', unit, unitDisplay: 'long' }).format(seconds / size)
}

export function applyLocale (next: Locale): void {
  current = next
  document.documentElement.lang = next
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as MessageKey)
  }
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n-attr]')) {
    // "placeholder:create.secret.placeholder;aria-label:result.qr"
    for (const pair of (el.dataset.i18nAttr ?? '').split(';')) {
      const [attr, key] = pair.split(':')
      if (attr !== undefined && key !== undefined) el.setAttribute(attr, t(key as MessageKey))
    }
  }
  const titleKey = document.documentElement.dataset.title
  if (titleKey !== undefined) document.title = `${t(titleKey as MessageKey)} · ${t('app.name')}`
  for (const [el, render] of renderers) el.textContent = render()
  for (const listener of listeners) listener()
  const select = document.getElementById('lang')
  if (select instanceof HTMLSelectElement) select.value = next
}

/**
 * The server rendered the page in the Accept-Language choice; a choice saved by the switcher wins.
 * Call once per page, before anything else renders text.
 */
export function initLocale (): void {
  const saved = readSaved()
  if (saved !== undefined && saved !== current) applyLocale(saved)
  const select = document.getElementById('lang')
  if (!(select instanceof HTMLSelectElement)) return
  select.value = current
  select.addEventListener('change', () => {
    if (!isLocale(select.value)) return
    try { localStorage.setItem(STORAGE_KEY, select.value) } catch { /* private mode: the switch still applies */ }
    applyLocale(select.value)
  })
}

function readSaved (): Locale | undefined {
  try {
    const value = localStorage.getItem(STORAGE_KEY)
    return value !== null && isLocale(value) ? value : undefined
  } catch {
    return undefined
  }
}
