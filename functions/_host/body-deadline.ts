// The request-body deadline: a JSON body must arrive within HTTP_REQUEST_TIMEOUT_SECONDS.
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { readsOwnBody } from '../_lib/platform/expect-continue.ts'
import { SECURITY_HEADERS } from './http-hooks.ts'

/**
 * Node's own requestTimeout covers a whole request, so at 30 s it would cut off a file upload
 * over a slow link as well as a stalled JSON body. Here the deadline is per request instead: a
 * timer from onRequest, cleared once the body is parsed (preValidation), that answers 408 and
 * closes the connection. Routes that read their own body (a file: POST /file, a request's file
 * answer) are left to their own
 * stall timeout and overall limit, under Node's requestTimeout set to the file transfer's bound.
 */
export function bodyDeadline (app: FastifyInstance, seconds: number): void {
  const timers = new WeakMap<FastifyRequest, NodeJS.Timeout>()
  const clear = (request: FastifyRequest): void => {
    clearTimeout(timers.get(request))
    timers.delete(request)
  }
  app.addHook('onRequest', (request, _reply, done) => {
    if (!readsOwnBody(request)) {
      const timer = setTimeout(() => {
        timers.delete(request)
        endWithStatus(request.raw.socket, 408)
      }, seconds * 1000)
      timer.unref()
      timers.set(request, timer)
    }
    done()
  })
  app.addHook('preValidation', (request, _reply, done) => { clear(request); done() })
  app.addHook('onResponse', (request, _reply, done) => { clear(request); done() })
  app.addHook('onRequestAbort', (request, done) => { clear(request); done() })
}

/**
 * Answers a request that cannot be served (its body came too late, or its HTTP was malformed)
 * straight on the socket, with our headers, and closes the connection.
 */
export function endWithStatus (socket: Socket | null, status: 400 | 408): void {
  if (socket === null || !socket.writable) return
  const [code, message] = status === 408 ? ['REQUEST_TIMEOUT', 'The request was not sent in time'] : ['REQUEST_INVALID', 'Malformed HTTP request']
  const body = JSON.stringify({ statusCode: status, code, error: STATUS_CODES[status], message })
  const headers = Object.entries(SECURITY_HEADERS).map(([name, value]) => `${name}: ${value}\r\n`).join('')
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${headers}\r\n${body}`)
  socket.destroySoon()
}
