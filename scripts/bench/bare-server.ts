// The framework ceiling: a bare Fastify 5 route returning a constant JSON body, nothing else.
// POST /secret and GET /secret/:secret_key answer like Burnlink's (201 with a key, 200 with a
// 1 KiB secret) without doing anything: the latency floor of the fixed-rate client at a rate.
import Fastify from 'fastify'

const SECRET_1KIB = 'x'.repeat(1024)
const KEY = 'k'.repeat(43)

const app = Fastify({ logger: false })
app.get('/', async () => ({ hello: 'world' }))
app.get('/readyz', async () => ({ status: 'ok' }))
app.post('/secret', async (_request, reply) => {
  reply.code(201)
  return { secret_key: KEY, expires_at: '2026-11-26T09:00:00.000Z', receipt_key: KEY }
})
app.get('/secret/:secret_key', async () => ({ secret: SECRET_1KIB }))
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)) })
