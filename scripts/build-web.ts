// Builds web/dist: bundles the page scripts (esbuild), and renders each page once per language.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import { LOCALES } from '../web/src/locales/index.ts'

const WEB = join(import.meta.dirname, '..', 'web')
const SRC = join(WEB, 'src')
const DIST = join(WEB, 'dist')

/** Each page: its template, its script, and the message that titles it. */
const PAGES = [
  { name: 'create', title: 'create.title' },
  { name: 'reveal', title: 'reveal.title' },
  { name: 'receipt', title: 'receipt.title' },
  { name: 'request', title: 'ask.title' },
  { name: 'account', title: 'account.title' }
] as const

export async function buildWeb (): Promise<void> {
  rmSync(DIST, { recursive: true, force: true })
  mkdirSync(join(DIST, 'assets'), { recursive: true })
  await build({
    entryPoints: [...PAGES.map((page) => join(SRC, `${page.name}.ts`)), join(SRC, 'styles.css')],
    outdir: join(DIST, 'assets'),
    bundle: true,
    splitting: true, // the pages share the locales and helpers: one cached chunk
    format: 'esm',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16'],
    minify: true,
    legalComments: 'none',
    logLevel: 'warning'
  })
  copyFileSync(join(SRC, 'icon.svg'), join(DIST, 'assets', 'icon.svg'))
  const layout = readFileSync(join(SRC, 'pages', 'layout.html'), 'utf8')
  for (const page of PAGES) {
    const content = withPartials(readFileSync(join(SRC, 'pages', `${page.name}.html`), 'utf8'), page.name)
    for (const [lang, messages] of Object.entries(LOCALES)) {
      const html = layout
        .replace('{{content}}', content.trim())
        .replaceAll('{{lang}}', lang)
        .replaceAll('{{script}}', page.name)
        .replaceAll('{{titleKey}}', page.title)
        .replaceAll('{{title}}', escapeHtml(`${messages[page.title]} · ${messages['app.name']}`))
        .replace(/\{\{t:([\w.]+)\}\}/g, (_whole, key: string) => {
          const message = (messages as Record<string, string>)[key]
          if (message === undefined) throw new Error(`${page.name}.html uses an unknown message ${key}`)
          return escapeHtml(message)
        })
      if (/\{\{|<script>|\sstyle=|\son\w+=/i.test(html)) throw new Error(`${page.name}.html has a placeholder left, or inline script/style, which the CSP forbids`)
      writeFileSync(join(DIST, `${page.name}.${lang}.html`), html)
    }
  }
}

/**
 * `{{include:name}}` on a line of its own becomes pages/partials/name.html at that indentation,
 * without the partial's leading comment: markup that several pages share, and whose element ids
 * the shared scripts (files.ts) look up, is written once.
 */
function withPartials (html: string, pageName: string): string {
  return html.replace(/^( *)\{\{include:([\w-]+)\}\}$/gm, (_whole, indent: string, name: string) => {
    const path = join(SRC, 'pages', 'partials', `${name}.html`)
    if (!existsSync(path)) throw new Error(`${pageName}.html includes an unknown partial ${name}`)
    return readFileSync(path, 'utf8').replace(/^<!--[\s\S]*?-->\n/, '').trimEnd().split('\n').map((line) => line === '' ? line : indent + line).join('\n')
  })
}

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

if (import.meta.main) {
  await buildWeb()
  process.stdout.write(`web app built in ${DIST}\n`)
}
