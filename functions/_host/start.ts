// Shared start-up of the HTTP and worker processes: config, keys, host, listen, signals.
import pino from 'pino'
import { ConfigError, configWarnings, loadConfig } from '../_lib/platform/config.ts'
import type { HttpFunction } from '../_lib/platform/http-function.ts'
import { loggerOptions } from '../_lib/platform/log.ts'
import { loadKeys } from '../_lib/secrets/master-key.ts'
import { buildHost } from './build.ts'

export async function start (role: string, choose: (functions: string) => HttpFunction[], runWorker: (configured: boolean) => boolean): Promise<void> {
  let config
  let functions
  let loaded
  try {
    config = loadConfig()
    functions = choose(config.functions)
    loaded = loadKeys(config)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`burnlink: configuration error: ${err.message}\n`)
    process.exit(78) // EX_CONFIG
  }
  const log = pino(loggerOptions(config.logLevel))
  for (const warning of configWarnings(config)) log.warn(warning)
  if (loaded.warning !== undefined) log.warn(loaded.warning)

  // Start-up can still find the configuration wanting (no POSTGRES_HOST and no embedded PostgreSQL installed).
  const app = await buildHost({ config, keys: loaded.keys, functions, runWorker: runWorker(config.runWorker), logger: log, applicationName: `burnlink-${role}` }).catch((err: unknown) => {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`burnlink: configuration error: ${err.message}\n`)
    process.exit(78) // EX_CONFIG
  })
  let closing = false
  const shutdown = (signal: string): void => {
    if (closing) return
    closing = true
    log.info({ signal }, 'shutting down: finishing in-flight requests')
    const timer = setTimeout(() => { log.error('shutdown took over 25 s; exiting'); process.exit(1) }, 25_000)
    timer.unref()
    // Keep-alive sockets busy at the signal stay open after their response (clients keep them for
    // a minute) and would hold close() until the watchdog: close each one as soon as it idles.
    setInterval(() => { app.server.closeIdleConnections() }, 100).unref()
    app.close().then(() => { log.info('stopped'); process.exit(0) }, (err: unknown) => { log.error({ err }, 'shutdown failed'); process.exit(1) })
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'))
  process.on('SIGINT', () => shutdown('SIGINT'))

  await app.listen({ port: config.http.port, host: config.http.host })
  log.info({ role, functions: functions.map((fn) => fn.name), worker: runWorker(config.runWorker) }, 'burnlink ready')
}
