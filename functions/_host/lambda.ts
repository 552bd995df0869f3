// AWS Lambda entry points (API Gateway HTTP API, payload v2): one handler per deployable function.
import { setTimeout as sleep } from 'node:timers/promises'
import awsLambdaFastify from '@fastify/aws-lambda'
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda'
import type { DestinationStream } from 'pino'
import { pick } from '../index.ts'
import { ConfigError, loadConfig } from '../_lib/platform/config.ts'
import type { App } from '../_lib/platform/http-function.ts'
import { loadKeys } from '../_lib/secrets/master-key.ts'
import { buildHost } from './build.ts'

/** API Gateway gives an integration 30 s at most; leave the rest for the request itself. */
const DATABASE_WAIT_MS = 10_000

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>

export interface LambdaEntry {
  readonly handler: LambdaHandler
  /** Closes the pool; Lambda itself just freezes the instance, tests and scripts call this. */
  readonly close: () => Promise<void>
}

export interface LambdaEntryOptions {
  /** The environment to configure from; process.env in Lambda. */
  env?: NodeJS.ProcessEnv
  /** Where log lines go; stdout (CloudWatch) by default. */
  logStream?: DestinationStream
}

/**
 * A handler serving `selection` (a FUNCTIONS value; FUNCTIONS from the environment if omitted).
 * The host is built on the first invocation, not at import, and reused while the instance stays
 * warm; a failed start is retried on the next invocation.
 */
export function createLambdaEntry (selection?: string, options: LambdaEntryOptions = {}): LambdaEntry {
  let ready: Promise<{ app: App, proxy: LambdaHandler }> | undefined
  const start = async (): Promise<{ app: App, proxy: LambdaHandler }> => {
    const config = loadConfig(options.env)
    // Every instance must share one master key and one database: a key generated into an
    // instance's /tmp, or an embedded PostgreSQL there, would lose every secret with the instance.
    if (config.encryption.key === undefined) throw new ConfigError('ENCRYPTION_KEY (or ENCRYPTION_KEY_FILE) is required on Lambda: a generated key would differ per instance')
    if (config.database.host === undefined) throw new ConfigError('POSTGRES_HOST is required on Lambda: the embedded database would live and die with one instance')
    const functions = selection ?? config.functions
    const app = await buildHost({
      config,
      keys: loadKeys(config).keys,
      functions: pick(functions),
      // Scheduled jobs need a long-lived process: run the worker elsewhere (see docs/deployment.md).
      runWorker: false,
      ...(options.logStream === undefined ? {} : { logStream: options.logStream }),
      applicationName: `burnlink-lambda-${functions}`
    })
    const proxy = awsLambdaFastify<APIGatewayProxyEventV2, { callbackWaitsForEmptyEventLoop: false }, APIGatewayProxyStructuredResultV2>(app, {
      // The idle pool keeps the event loop busy; answer as soon as the response is ready.
      callbackWaitsForEmptyEventLoop: false
    })
    await app.ready()
    // Migrations run in the background of start-up (db.ts): a cold start waits for them rather
    // than answering its first request with 503, but not for ever while PostgreSQL is down.
    await Promise.race([app.databaseReady, sleep(DATABASE_WAIT_MS, undefined, { ref: false })])
    return { app, proxy }
  }
  return {
    handler: async (event, context) => {
      ready ??= start().catch((err: unknown) => { ready = undefined; throw err })
      const { proxy } = await ready
      return await proxy(event, context)
    },
    close: async () => {
      const current = ready
      ready = undefined
      // A start that failed has nothing to close.
      await current?.then(async ({ app }) => { await app.close() }, () => {})
    }
  }
}

/** Configure each Lambda function's handler as `functions/_host/lambda.createSecret` and so on. */
export const createSecret = createLambdaEntry('create-secret').handler
export const readSecret = createLambdaEntry('read-secret').handler
export const deleteSecret = createLambdaEntry('delete-secret').handler
export const secretStatus = createLambdaEntry('secret-status').handler
export const readReceipt = createLambdaEntry('read-receipt').handler
/** The functions named by FUNCTIONS (all by default) in one Lambda, e.g. behind a `$default` route. */
export const handler = createLambdaEntry().handler
