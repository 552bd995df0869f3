// Expect: 100-continue answered when a body is about to be read, not as soon as headers arrive.
import type { ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The handler reads an application/octet-stream body itself, and calls sendContinue() just
     * before it does. A body of another type (a request's JSON answer) is parsed as usual.
     */
    readsOwnBody?: boolean
  }
}

/** Whether this request's handler reads the body itself (a file), rather than the parser. */
export function readsOwnBody (request: FastifyRequest): boolean {
  return request.routeOptions.config.readsOwnBody === true &&
    (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/octet-stream')
}

/** Responses whose client waits for "100 Continue" before it sends the body. */
const waiting = new WeakSet<ServerResponse>()

/**
 * Node sends "100 Continue" the moment it sees the header, unless someone listens for
 * 'checkContinue'. Listening, the host sends it before parsing a body instead, so a request
 * refused on its headers alone (429, 503) never uploads its body; routes that read their own
 * body (a file) send it from their handler, after their own checks (411, 413, 400).
 */
export function deferContinue (app: FastifyInstance): void {
  app.server.on('checkContinue', (req, res) => {
    waiting.add(res)
    app.server.emit('request', req, res)
  })
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (!readsOwnBody(request)) sendContinue(reply)
    done(null, payload)
  })
}

/** Tells a client that waits with Expect: 100-continue to send its body; nothing otherwise. */
export function sendContinue (reply: FastifyReply): void {
  if (waiting.delete(reply.raw)) reply.raw.writeContinue()
}
