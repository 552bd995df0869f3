// /docs (Swagger UI, served from this process) and /openapi.json, always describing the whole API.
import Fastify, { type FastifyInstance } from 'fastify'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { FunctionDeps, HttpFunction } from '../_lib/platform/http-function.ts'
import { ErrorReply } from '../_lib/platform/schemas.ts'
import { AJV_OPTIONS } from './ajv.ts'

import type { OpenAPIV3 } from 'openapi-types'

export type OpenApiDocument = OpenAPIV3.Document

const INFO = {
  title: 'Burnlink',
  version: '1.0.0',
  description: 'One-time secrets: store a secret, share the key, and the secret can be revealed exactly once.\n\n' +
    'Every response forbids caching. Errors share one shape: `{statusCode, code, error, message}`.',
  license: { name: 'MIT' }
}

/**
 * Built from every function, whichever ones this process serves: behind the gateway, /docs is
 * answered by one process but must describe them all. Registering routes needs no database.
 */
export async function openApiDocument (functions: readonly HttpFunction[], deps: FunctionDeps): Promise<OpenApiDocument> {
  const app = Fastify({ ajv: AJV_OPTIONS }).withTypeProvider<TypeBoxTypeProvider>()
  app.addSchema(ErrorReply)
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: INFO,
      components: {
        securitySchemes: {
          apiToken: { type: 'http', scheme: 'bearer', description: 'An API token (blt_…): `npm run tokens -- create`, or the web app\'s account page. Needed to create when CREATORS=signed-in.' },
          session: { type: 'apiKey', in: 'cookie', name: '__Host-burnlink_session', description: 'A signed-in browser (the web app); state-changing requests also need the X-CSRF-Token header.' }
        }
      },
      tags: [{ name: 'secret', description: 'Create, reveal once, delete' }, { name: 'file', description: 'Files: upload, download once (DELETE, status and receipts are the secret routes)' }, { name: 'request', description: 'Ask someone for a secret: answered once, revealed once from the inbox (see also notify_url: signed notifications of a secret\'s events)' }, { name: 'account', description: 'Signing in, a creator\'s own secrets and API tokens' }, { name: 'health', description: 'Probes for orchestrators' }]
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
  })
  for (const fn of functions) await app.register(async (scope) => { await fn.plugin(scope, deps) })
  await app.ready()
  const document = app.swagger() as OpenApiDocument
  await app.close()
  return document
}

export async function registerDocs (app: FastifyInstance, document: OpenApiDocument): Promise<void> {
  await app.register(swagger, { mode: 'static', specification: { document } })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // null: no badge fetched from validator.swagger.io — nothing leaves this host.
    uiConfig: { validatorUrl: null, deepLinking: true, tryItOutEnabled: false },
    // Swagger UI needs its own scripts, inline styles and a data: logo, and fetches ./json: no more.
    staticCSP: "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
  })
  app.get('/openapi.json', { schema: { hide: true } }, async () => document)
}
