// Admission for routes that need the database: 503 before it is migrated, and when too many wait.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DatabaseUnavailable, ServiceBusy } from '../_lib/platform/errors.ts'

/**
 * postgres.js queues queries without bound when every connection is busy. Past `maxInFlight`
 * requests waiting on the database (all functions together), new ones are refused at once with
 * 503 + Retry-After, so a slow or stalled database costs clients a retry, not the server its
 * memory and latency. Returns what attaches the gate to a function's scope.
 */
export function databaseGate (maxInFlight: number): (scope: FastifyInstance) => void {
  // One count for the whole process: every function draws on the same pool.
  const counted = new WeakSet<FastifyRequest>()
  let inFlight = 0
  const leave = (request: FastifyRequest): void => {
    if (counted.delete(request)) inFlight--
  }
  return (scope) => {
    // Callback hooks, not async ones: these run for every request to a database route, and an
    // async hook costs each a promise and its settling.
    scope.addHook('onRequest', (_request, _reply, done) => {
      done(scope.isDatabaseReady() ? undefined : new DatabaseUnavailable())
    })
    // A place is taken only once the body has arrived (preHandler): a client that sends its body
    // slowly waits outside the gate, where only the request timeout limits it, and cannot fill
    // the gate for everyone else.
    scope.addHook('preHandler', (request, _reply, done) => {
      if (inFlight >= maxInFlight) { done(new ServiceBusy()); return }
      inFlight++
      counted.add(request)
      done()
    })
    // A request leaves the count when its answer is ready, whether or not its client still
    // waits for it. A client that hangs up after sending its whole request fires neither
    // onResponse (nothing finishes) nor onRequestAbort (the request was complete), and its
    // handler still holds the database: counting it out at either would leak a place in the
    // gate for good, until every database route answered 503 (the bench met this after a few
    // hundred load windows had ended with requests in flight).
    scope.addHook('onSend', (request, _reply, payload, done) => {
      leave(request)
      done(null, payload)
    })
    // The same request never counts out twice; these cover answers that skip onSend (a hijacked
    // reply) and clients that hang up while their handler runs.
    scope.addHook('onResponse', (request, _reply, done) => { leave(request); done() })
    scope.addHook('onRequestAbort', (request, done) => { leave(request); done() })
  }
}
