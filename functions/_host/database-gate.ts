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
  const leave = async (request: FastifyRequest): Promise<void> => {
    if (counted.delete(request)) inFlight--
  }
  return (scope) => {
    scope.addHook('onRequest', async (request) => {
      if (!scope.isDatabaseReady()) throw new DatabaseUnavailable()
      if (inFlight >= maxInFlight) throw new ServiceBusy()
      inFlight++
      counted.add(request)
    })
    scope.addHook('onResponse', leave)
    scope.addHook('onRequestAbort', leave)
  }
}
