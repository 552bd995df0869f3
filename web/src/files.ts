// A file in the pages: the field that takes one (picked or dropped), and the view that saves one
// that arrived. Shared by the create and answer pages (the field) and the reveal and inbox pages
// (the saved file), which use the same element ids for them: #file-field…, #file-name….
import { byId } from './dom.ts'
import { formatNumber, formatSize, show, t } from './i18n.ts'
import type { MessageKey } from './locales/index.ts'
import type { FileMeta, FileSource, OpenedFile } from './zkfile.ts'

export interface FileField {
  /** The attached file; undefined when none is, or the server takes no files. */
  chosen: () => File | undefined
  /** Forgets the file, e.g. once it was sent: nothing secret stays in the form. */
  clear: () => void
}

/**
 * Wires #file-field: the picker, the drop zone, the "Attached: …" line with its remove button.
 * Hidden when the server takes no files (no fileMaxBytes); its hint names the limit.
 */
export function wireFileField (fileMaxBytes: number | undefined, hint: MessageKey, onChange: (file: File | undefined) => void): FileField {
  const field = byId('file-field', HTMLDivElement)
  const input = byId('file', HTMLInputElement)
  const dropZone = byId('drop-zone', HTMLDivElement)
  const chosenRow = byId('file-chosen-row', HTMLDivElement)
  const chosenLine = byId('file-chosen', HTMLParagraphElement)
  const chosen = (): File | undefined => field.hidden ? undefined : input.files?.[0]
  // The chosen file's name is shown as text only (textContent), whatever characters it has.
  const changed = (): void => {
    const file = chosen()
    chosenRow.hidden = file === undefined
    if (file !== undefined) show(chosenLine, () => t('create.file.chosen', { name: file.name, size: formatSize(file.size) }))
    onChange(file)
  }
  const clear = (): void => {
    input.value = ''
    changed()
  }
  field.hidden = fileMaxBytes === undefined
  if (fileMaxBytes === undefined) return { chosen, clear }
  show(byId('file-hint', HTMLParagraphElement), () => t(hint, { max: formatSize(fileMaxBytes) }))
  input.addEventListener('change', changed)
  byId('file-remove', HTMLButtonElement).addEventListener('click', () => {
    clear()
    input.focus()
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
    input.files = one.files
    changed()
  })
  return { chosen, clear }
}

/** A browser File read a slice at a time, so the encryption holds one chunk rather than the file. */
export function fileSource (file: File): FileSource {
  return { size: file.size, read: async (start, end) => new Uint8Array(await file.slice(start, end).arrayBuffer()) }
}

/**
 * The encrypted parts as one upload body: a Blob of one Blob per part, whose bytes the browser keeps
 * outside the script's heap, so a large file never sits in JavaScript memory whole. (A streamed
 * request body would avoid even that, but Chromium streams uploads only over HTTP/2.)
 */
export async function uploadBody (parts: AsyncIterable<Uint8Array<ArrayBuffer>>): Promise<Blob> {
  const blobs: Blob[] = []
  for await (const part of parts) blobs.push(new Blob([part]))
  return new Blob(blobs, { type: 'application/octet-stream' })
}

/**
 * Decrypts the chunks as they arrive into Blobs (held by the browser, not the script's heap).
 * Throws on the first damaged, missing or extra byte: only a file that decrypted whole is offered.
 */
export async function receiveFile (opened: OpenedFile): Promise<Blob> {
  const parts: Blob[] = []
  for await (const chunk of opened.chunks) parts.push(new Blob([chunk]))
  // application/octet-stream: the browser saves it as a download and never renders it here.
  return new Blob(parts, { type: 'application/octet-stream' })
}

/** Fills #file-name, #file-size, #file-note and #file-save, and saves the file once as a download. */
export function offerFile (meta: FileMeta, blob: Blob): void {
  const save = byId('file-save', HTMLAnchorElement)
  save.href = URL.createObjectURL(blob)
  save.download = meta.name === '' ? 'download' : meta.name
  // Text only: the sender chose this name, so it must never be parsed as markup.
  byId('file-name', HTMLElement).textContent = meta.name
  show(byId('file-size', HTMLElement), () => `${formatSize(meta.size)} (${formatNumber(meta.size)} B)`)
  byId('file-note-field', HTMLDivElement).hidden = meta.text === undefined
  byId('file-note', HTMLTextAreaElement).value = meta.text ?? ''
  save.click()
}
