// Open-loop load at a fixed rate, for the latency-at-a-rate figures. autocannon's rate option
// lets each connection send its share of a second back to back and then wait for the next
// second, so "1,000 req/s" arrives as a burst of 1,000 at the top of every second and the p99 it
// reports is that burst's queueing. Here requests leave on an even schedule whether or not
// earlier ones have answered, and each latency runs from the request's scheduled departure, so a
// server that falls behind is charged for the wait too (no coordinated omission).
import { Agent, request } from 'node:http'

export interface PacedRequest { method: string, path: string, body?: string }

export interface PacedPhase { seconds?: number, amount?: number }

export interface PacedOutcome {
  /** Responses by status code. */
  statuses: Record<string, number>
  /** Latencies (ms) of 2xx responses, from the scheduled departure to the last byte. */
  latencies: Float64Array
  errors: number
  timeouts: number
  /** From the first scheduled departure to the last response. */
  seconds: number
}

const TIMEOUT_MS = 30_000

export async function runPaced (url: string, rate: number, connections: number, phase: PacedPhase, next: () => PacedRequest, stopped: () => boolean): Promise<PacedOutcome> {
  const target = new URL(url)
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const total = phase.amount ?? Math.round(rate * (phase.seconds ?? 10))
  const statuses: Record<string, number> = {}
  let latencies = new Float64Array(Math.max(16, total))
  let okCount = 0
  let errors = 0
  let timeouts = 0
  let sent = 0
  let finished = 0
  let lastResponse = 0
  const started = performance.now()
  const interval = 1000 / rate

  await new Promise<void>((resolve) => {
    const settle = (): void => {
      finished++
      lastResponse = performance.now()
      if (finished === sent && (sent === total || stopped())) resolve()
    }
    const send = (index: number): void => {
      const due = started + index * interval
      const { method, path, body } = next()
      const req = request({
        agent,
        host: target.hostname,
        port: target.port,
        method,
        path,
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: TIMEOUT_MS
      }, (res) => {
        res.resume()
        res.on('end', () => {
          const code = res.statusCode ?? 0
          statuses[code] = (statuses[code] ?? 0) + 1
          if (code >= 200 && code < 300) {
            if (okCount === latencies.length) {
              const grown = new Float64Array(latencies.length * 2)
              grown.set(latencies)
              latencies = grown
            }
            latencies[okCount++] = performance.now() - due
          }
          settle()
        })
      })
      let timedOut = false
      req.on('timeout', () => { timedOut = true; timeouts++; req.destroy(new Error('timeout')) })
      // A timed-out request ends here too: count it once, as a timeout.
      req.on('error', () => { if (!timedOut) errors++; settle() })
      req.end(body)
    }
    // A 1 ms timer cannot hold an exact schedule; each tick sends every request that is due by now.
    const tick = (): void => {
      const due = stopped() ? sent : Math.min(total, Math.floor((performance.now() - started) / interval) + 1)
      while (sent < due) send(sent++)
      if (sent < total && !stopped()) setTimeout(tick, 1)
      else if (finished === sent) resolve()
    }
    tick()
  })
  agent.destroy()
  return { statuses, latencies: latencies.subarray(0, okCount), errors, timeouts, seconds: (lastResponse - started) / 1000 }
}
