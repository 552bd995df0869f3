// Admission for routes that need the database: 503 before it is migrated, and when too many wait.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { DatabaseUnavailable, ServiceBusy } from '../_lib/errors.ts'

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
    scope.addHook('onRequest', async (request) => {
      if (!scope.isDatabaseReady()) throw new DatabaseUnavailable()
      if (inFlight >= maxInFlight) throw new ServiceBusy()
      inFlight++
      counted.add(request)
    })
    // A request leaves the count when its answer is ready, whether or not its client still
    // waits for it. A client that hangs up after sending its whole request fires neither
    // onResponse (nothing finishes) nor onRequestAbort (the request was complete), and its
    // handler still holds the database: counting it out at either would leak a place in the
    // gate for good, until every database route answered 503 (the bench met this after a few
    // hundred load windows had ended with requests in flight).
    scope.addHook('onSend', async (request, _reply, payload) => {
      leave(request)
      return payload
    })
    // The same request never counts out twice; these cover answers that skip onSend (a hijacked
    // reply) and requests whose body never fully arrived, which no handler will run for.
    scope.addHook('onResponse', async (request) => { leave(request) })
    scope.addHook('onRequestAbort', async (request) => { leave(request) })
  }
}
