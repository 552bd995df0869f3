// GET /healthz (the process is alive) and GET /readyz (the database answers and is migrated).
import { Type } from '@sinclair/typebox'
import type { HttpFunction } from './_lib/platform/http-function.ts'
import { LATEST_VERSION } from './_lib/platform/migrate.ts'

const HealthReply = Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false })
const ReadyReply = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('unavailable')]),
  schema_version: Type.Union([Type.Integer(), Type.Null()], { description: 'Applied migrations; null when the database does not answer' }),
  expected_version: Type.Integer()
}, { additionalProperties: false })

const health: HttpFunction = {
  name: 'health',
  needsDatabase: false,
  plugin: async (app) => {
    app.get('/healthz', {
      schema: { tags: ['health'], summary: 'Liveness: the process runs', response: { 200: HealthReply } }
    }, async () => ({ status: 'ok' as const }))

    app.get('/readyz', {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the database answers and is migrated',
        response: { 200: ReadyReply, 503: ReadyReply }
      }
    }, async (_request, reply) => {
      let version: number | null = null
      try {
        const [row] = await app.sql<{ version: number | null }[]>`select max(version) as version from schema_migration`
        version = row?.version ?? null
      } catch (err) {
        app.log.warn({ err: { message: (err as Error).message } }, 'readiness check failed')
      }
      // The database routes admit requests once this process's own migration step is done
      // (database-gate.ts): a complete schema alone, seen while that step still waits, is not ready.
      const ready = version === LATEST_VERSION && app.isDatabaseReady()
      reply.code(ready ? 200 : 503)
      return { status: ready ? 'ready' as const : 'unavailable' as const, schema_version: version, expected_version: LATEST_VERSION }
    })
  }
}

export default health
