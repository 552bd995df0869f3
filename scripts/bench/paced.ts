// Open-loop load at a fixed rate. autocannon's own rate option lets each connection send its
// share of a second back to back and then wait, so "1,000 req/s" arrives as a burst at the top of
// every second and its p99 measures that burst. Here requests leave on an even schedule whether
// or not earlier ones have answered, and each latency runs from the scheduled departure, so a
// server that falls behind is charged for the wait too (no coordinated omission).
import { Agent, request } from 'node:http'

export interface PacedRequest { method: string, path: string, body?: string, headers?: Record<string, string> }

/** A window's responses by status, the 2xx latencies (ms), and its length up to the last response. */
export interface Outcome { statuses: Record<string, number>, latencies: Float64Array, errors: number, timeouts: number, seconds: number }

export async function runPaced (url: string, rate: number, connections: number, window: { seconds?: number, amount?: number }, next: () => PacedRequest, stopped: () => boolean): Promise<Outcome> {
  const target = new URL(url)
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const total = window.amount ?? Math.round(rate * (window.seconds ?? 10))
  const statuses: Record<string, number> = {}
  const latencies: number[] = []
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
      const { method, path, body, headers } = next()
      const length = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }
      const req = request({ agent, host: target.hostname, port: target.port, method, path, headers: { ...headers, ...length }, timeout: 30_000 }, (res) => {
        res.resume()
        res.on('end', () => {
          const code = res.statusCode ?? 0
          statuses[code] = (statuses[code] ?? 0) + 1
          if (code >= 200 && code < 300) latencies.push(performance.now() - due)
          settle()
        })
      })
      let timedOut = false
      req.on('timeout', () => { timedOut = true; timeouts++; req.destroy(new Error('timeout')) })
      // A request that timed out ends here too: it counts once, as a timeout.
      req.on('error', () => { if (!timedOut) errors++; settle() })
      req.end(body)
    }
    // A 1 ms timer cannot hold an exact schedule: each tick sends every request due by now.
    const tick = (): void => {
      const due = stopped() ? sent : Math.min(total, Math.floor((performance.now() - started) / interval) + 1)
      while (sent < due) send(sent++)
      if (sent < total && !stopped()) setTimeout(tick, 1)
      else if (finished === sent) resolve()
    }
    tick()
  })
  agent.destroy()
  return { statuses, latencies: Float64Array.from(latencies), errors, timeouts, seconds: (lastResponse - started) / 1000 }
}
