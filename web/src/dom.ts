// Small DOM helpers shared by the pages: typed lookups, showing one view, copy buttons.
import { t } from './i18n.ts'

/** The element with this id, checked to be of the expected class (a missing one is a build bug). */
export function byId<T extends HTMLElement> (id: string, type: new () => T): T {
  const el = document.getElementById(id)
  if (!(el instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`)
  return el
}

/** Shows one section, hides its siblings, and moves focus to its heading for screen readers. */
export function showView (view: HTMLElement): void {
  for (const section of document.querySelectorAll<HTMLElement>('main > section')) section.hidden = section !== view
  const heading = view.querySelector<HTMLElement>('h1, h2')
  heading?.focus()
}

export function showError (el: HTMLElement, message: string | undefined): void {
  el.textContent = message ?? ''
  el.hidden = message === undefined
}

/** Every button with data-copy="<id>" copies that field's value and says so for a moment. */
export function wireCopyButtons (): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-copy]')) {
    button.addEventListener('click', () => { void copy(button) })
  }
}

async function copy (button: HTMLButtonElement): Promise<void> {
  const field = document.getElementById(button.dataset.copy ?? '')
  if (!(field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement)) return
  const label = button.querySelector<HTMLElement>('[data-i18n]') ?? button
  try {
    await navigator.clipboard.writeText(field.value)
    label.textContent = t('copy.done')
  } catch {
    // Clipboard API refused (permissions, insecure context): select the text for a manual copy.
    field.select()
    label.textContent = t('copy.failed')
  }
  setTimeout(() => { label.textContent = t('copy.button') }, 2000)
}
