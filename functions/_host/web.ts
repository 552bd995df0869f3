// The web app: / (create), /s/:key (reveal: loading it reads nothing), /r/:key (receipt),
// /ask, /ask/:key and /inbox/:key (requests), /account/ (a creator's own secrets and tokens),
// /assets/*.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../_lib/platform/config.ts'
import type { App } from '../_lib/platform/http-function.ts'

export const WEB_DIST = join(import.meta.dirname, '..', '..', 'web', 'dist')

// Only this origin's own files; no inline script or style, no framing, no form posts elsewhere.
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const LANGUAGES = ['en', 'ru'] as const
type Language = typeof LANGUAGES[number]
const PAGES = ['create', 'reveal', 'receipt', 'request', 'account'] as const
type Page = typeof PAGES[number]

/** Serves the pages when `npm run build` has produced web/dist; otherwise says why there are none. */
export async function registerWeb (app: App, config: Config, dist = WEB_DIST): Promise<void> {
  if (!existsSync(join(dist, 'create.en.html'))) {
    app.log.warn(`web UI not built (${dist} is missing): run \`npm run build\`; the API works without it`)
    return
  }
  await app.register(async (scope) => { await webPlugin(scope, config, dist) }, { name: 'web' })
}

async function webPlugin (app: App, config: Config, dist: string): Promise<void> {
  const html = new Map<string, string>()
  for (const page of PAGES) {
    for (const lang of LANGUAGES) html.set(`${page}.${lang}`, readFileSync(join(dist, `${page}.${lang}.html`), 'utf8'))
  }
  // Scoped to this plugin, and registered after the host's hooks, so these headers win here only.
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.header('content-security-policy', PAGE_CSP)
    void reply.header('x-frame-options', 'DENY')
    return payload
  })
  await app.register(fastifyStatic, { root: join(dist, 'assets'), prefix: '/assets/', decorateReply: false, index: false, etag: false, lastModified: false })

  const sendPage = (page: Page) => async (request: FastifyRequest, reply: FastifyReply) => {
    void reply.header('vary', 'accept-language')
    void reply.type('text/html; charset=utf-8')
    return html.get(`${page}.${pickLanguage(request)}`)
  }
  // The reveal page is the same static file for every key: a link preview's GET or HEAD of it
  // never reaches the database, so it cannot burn the secret.
  app.get('/', sendPage('create'))
  app.get('/s/:secret_key', sendPage('reveal'))
  app.get('/r/:receipt_key', sendPage('receipt'))
  // Requests: /ask makes one, /ask/:key is the holder's page, /inbox/:key the requester's. Static
  // like the reveal page: loading one answers nothing and reveals nothing.
  app.get('/ask', sendPage('request'))
  app.get('/ask/:request_key', sendPage('request'))
  app.get('/inbox/:inbox_key', sendPage('request'))
  app.get('/account/', sendPage('account'))

  let revealPassphrase: boolean | undefined
  app.get('/config.json', async () => {
    revealPassphrase ??= supportsRevealPassphrase(app)
    return {
      minTtlSeconds: config.secret.minTtlSeconds,
      maxTtlSeconds: config.secret.maxTtlSeconds,
      defaultTtlSeconds: config.secret.defaultTtlSeconds,
      maxBytes: config.secret.maxBytes,
      // FILE_MAX_BYTES, counted as uploaded (the encrypted envelope): the pages and the CLI check it first.
      fileMaxBytes: config.file.maxBytes,
      features: { revealPassphrase }
    }
  })
}

/** ?lang=ru wins, then the first supported language in Accept-Language by quality, then English. */
export function pickLanguage (request: Pick<FastifyRequest, 'query' | 'headers'>): Language {
  const query = request.query as Record<string, unknown> | undefined
  const asked = typeof query?.lang === 'string' ? query.lang : undefined
  if (isLanguage(asked)) return asked
  const ranked = (request.headers['accept-language'] ?? '').split(',').map((part, index) => {
    const [tag = '', ...params] = part.trim().split(';')
    const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1)
    return { primary: tag.toLowerCase().split('-')[0], q: Number.isFinite(q) ? q : 0, index }
  }).filter((entry) => entry.q > 0).sort((a, b) => b.q - a.q || a.index - b.index)
  return ranked.map((entry) => entry.primary).find(isLanguage) ?? 'en'
}

function isLanguage (value: string | undefined): value is Language {
  return LANGUAGES.some((lang) => lang === value)
}

/** The create form offers "require it to read" only if POST /secret documents that field. */
function supportsRevealPassphrase (app: App): boolean {
  try {
    const document = app.swagger() as { paths?: Record<string, Record<string, unknown>> }
    return JSON.stringify(document.paths?.['/secret']?.post ?? {}).includes('"reveal_requires_passphrase"')
  } catch {
    return false
  }
}
