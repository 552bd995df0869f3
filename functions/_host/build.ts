// buildHost(): the Fastify instance serving a chosen set of functions. It never listens.
import { isUtf8 } from 'node:buffer'
import { randomUUID } from 'node:crypto'
import type { Socket } from 'node:net'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import pino, { type DestinationStream } from 'pino'
import { ALL_FUNCTIONS } from '../index.ts'
import { auditor } from '../_lib/secrets/audit.ts'
import { clientKey } from '../_lib/platform/client-key.ts'
import type { Config, TrustProxy } from '../_lib/platform/config.ts'
import type { Keyring } from '../_lib/secrets/crypto.ts'
import { databasePlugin } from '../_lib/platform/database.ts'
import { deferContinue } from '../_lib/platform/expect-continue.ts'
import { BodyNotUtf8, RateLimited } from '../_lib/platform/errors.ts'
import type { App, HttpFunction } from '../_lib/platform/http-function.ts'
import { loggerOptions, requestChildLogger } from '../_lib/platform/log.ts'
import { HashPool } from '../_lib/secrets/passphrase.ts'
import { TRANSFER_SECONDS } from '../_lib/secrets/file-statements.ts'
import { ErrorReply } from '../_lib/platform/schemas.ts'
import { AJV_OPTIONS } from './ajv.ts'
import { openApiDocument, registerDocs } from './docs.ts'
import { handleError, handleFrameworkError, handleNotFound } from './error-handler.ts'
import { addHttpHooks } from './http-hooks.ts'
import { bodyDeadline, endWithStatus } from './body-deadline.ts'
import { jobsPlugin } from './jobs.ts'
import { databaseGate } from './database-gate.ts'
import { metricsPlugin } from './metrics.ts'
import { registerWeb } from './web.ts'

export interface HostOptions {
  config: Config
  keys: Keyring
  functions: readonly HttpFunction[]
  /** Run the scheduled jobs in this process (single-node mode and the worker process). */
  runWorker?: boolean
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: DestinationStream
  /** A ready logger instead of logStream, e.g. the entry point's. */
  logger?: FastifyBaseLogger
  applicationName?: string
}

export async function buildHost (options: HostOptions): Promise<App> {
  const { config, keys, functions } = options
  const app = Fastify({
    loggerInstance: options.logger ?? (options.logStream === undefined ? pino(loggerOptions(config.logLevel)) : pino(loggerOptions(config.logLevel), options.logStream)),
    // Fastify's request log prints req.url, and the URL is the capability: we log our own line.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    childLoggerFactory: requestChildLogger,
    requestIdHeader: false,
    trustProxy: trustProxySetting(config.http.trustProxy),
    // JSON escapes one byte as up to six characters (\u0001); the secret's own limit is checked later.
    bodyLimit: config.secret.maxBytes * 6 + 16 * 1024,
    ajv: AJV_OPTIONS,
    return503OnClosing: true,
    // Fastify turns Node's request timeout off. Node's covers a whole request, so it is set to the
    // longest a file upload may take (POST /file has its own stall timeout within that); JSON
    // bodies get HTTP_REQUEST_TIMEOUT_SECONDS per request (bodyDeadline).
    requestTimeout: TRANSFER_SECONDS * 1000,
    keepAliveTimeout: config.http.keepAliveTimeout * 1000,
    // Node looks for overdue requests every 30 s by default: a fraction of the shortest limit instead.
    http: { headersTimeout: config.http.headersTimeout * 1000, connectionsCheckingInterval: Math.min(config.http.headersTimeout * 250, 5_000) },
    // The embedded PostgreSQL's first start (initdb) can outlast Fastify's default plugin timeout
    // on a small or busy machine; a slow start is better than a crash.
    pluginTimeout: 120_000,
    // Long keys must reach the handler, which answers any malformed key with the same 404.
    routerOptions: { maxParamLength: 2048 },
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: (err, socket) => {
      endWithStatus(socket as Socket, (err as { code?: string }).code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400)
    }
  }).withTypeProvider<TypeBoxTypeProvider>()

  // The API speaks JSON only: anything else is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain')
  replaceJsonParser(app)
  app.addSchema(ErrorReply)
  app.decorateRequest('creator', null)
  addHttpHooks(app)
  bodyDeadline(app, config.http.requestTimeout)
  deferContinue(app)
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(handleNotFound)

  const deps = { config, keys, hashPool: new HashPool(config.passphraseHashConcurrency), who: auditor(config.audit.ipMode, keys.current.bytes, config.clientIpv6Prefix) }
  await app.register(databasePlugin, { config, applicationName: options.applicationName ?? 'burnlink' })
  await app.register(metricsPlugin, { token: config.metrics.token, poolSize: config.database.poolSize, hashPool: deps.hashPool })
  await registerDocs(app, await openApiDocument(ALL_FUNCTIONS, deps))
  // Per-route limits (each function's config.rateLimit), per client key, in this process's memory.
  await app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => clientKey(request.ip, config.clientIpv6Prefix) ?? request.ip,
    errorResponseBuilder: (_request, context) => new RateLimited(Math.max(1, Math.ceil(context.ttl / 1000)))
  })
  const gate = databaseGate(config.database.poolSize * 64)
  for (const fn of functions) {
    await app.register(async (scope) => {
      if (fn.needsDatabase) gate(scope)
      await fn.plugin(scope, deps)
    }, { name: fn.name })
  }
  await registerWeb(app, config)
  if (options.runWorker ?? config.runWorker) {
    await app.register(jobsPlugin, { purgeBatchSize: config.purgeBatchSize, purgeRowsPerSecond: config.purgeRowsPerSecond, retentionDays: config.audit.retentionDays, onPurged: app.metrics.recordPurge, webhook: config.webhook, keys: options.keys })
  }
  return app
}

/**
 * Fastify decodes a JSON body as UTF-8 with replacement: invalid bytes would be stored as U+FFFD
 * and the reader would get other bytes than were sent. Refuse them; the rest is Fastify's parser.
 */
function replaceJsonParser (app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer
    if (!isUtf8(bytes)) { done(new BodyNotUtf8(), undefined); return }
    void parseJson(request, bytes.toString('utf8'), done)
  })
}

// Fastify accepts a hop count at run time but not in its types; the function form is equivalent.
function trustProxySetting (trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust
}
