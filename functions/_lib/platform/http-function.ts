// What a function module exports: a name and a plugin that registers its one route.
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Auditor } from '../secrets/audit.ts'
import type { Config } from './config.ts'
import type { Keyring } from '../secrets/crypto.ts'
import type { HashPool } from '../secrets/passphrase.ts'

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>

/** What the host hands every function; functions never read process.env or import each other. */
export interface FunctionDeps {
  readonly config: Config
  readonly keys: Keyring
  readonly hashPool: HashPool
  /** The audit facts of a request, with the client IP as AUDIT_IP_MODE says. */
  readonly who: Auditor
}

export interface HttpFunction {
  /** kebab-case verb-noun, used everywhere: FUNCTIONS=, compose service, nginx upstream, logs. */
  readonly name: string
  /** Its routes answer 503 until the database is migrated, and when too many requests wait on it. */
  readonly needsDatabase: boolean
  readonly plugin: (app: App, deps: FunctionDeps) => Promise<void>
}
