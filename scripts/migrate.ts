// `npm run migrate`: applies pending migrations to the configured database, then exits.
import pino from 'pino'
import { ConfigError, loadConfig } from '../functions/_lib/platform/config.ts'
import { openPool, resolveTarget } from '../functions/_lib/platform/database.ts'
import { loggerOptions } from '../functions/_lib/platform/log.ts'
import { LATEST_VERSION, migrate } from '../functions/_lib/platform/migrate.ts'

let config
try {
  config = loadConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`burnlink: configuration error: ${err.message}\n`)
  process.exit(78)
}
const log = pino(loggerOptions(config.logLevel))
const { target, embedded } = await resolveTarget(config, log)
const sql = openPool(target, 1, 'burnlink-migrate')
try {
  await migrate(sql, log)
  log.info({ version: LATEST_VERSION, database: embedded === undefined ? `${target.host}:${target.port}/${target.database}` : `embedded PostgreSQL in ${embedded.dataDir}` }, 'database is migrated')
} finally {
  await sql.end()
  await embedded?.stop()
}
