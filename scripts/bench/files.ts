// The files phase: large opaque files uploaded in parallel, then each downloaded once, with the
// server's resting RSS before and peak RSS over both — what issue 24 asks of streaming: throughput,
// and memory bounded by the transfers at once, not by the files' sizes.
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { memoryMiB, resetPeak, waitIdle } from './proc.ts'
import type { Subject } from './subject.ts'

export interface FilesResult {
  files: number
  bytesPerFile: number
  uploadMBps: number
  downloadMBps: number
  /** The server's RSS once idle, just before the first upload: what the peak is measured against. */
  restingRssMiB?: number
  peakRssMiB?: number
  errors: number
}

const CHUNK = randomBytes(1024 * 1024) // opaque to the server: the same random MiB, written over and over

/** One request whose body, if any, is written a chunk at a time as the socket drains; the reply's bytes are counted, its start kept. */
async function send (url: URL, method: 'GET' | 'POST', bytes = 0): Promise<{ status: number, received: number, head: string }> {
  return await new Promise((resolve, reject) => {
    const headers = method === 'POST' ? { 'content-type': 'application/octet-stream', 'content-length': String(bytes) } : {}
    const req = request(url, { method, headers }, (res) => {
      let received = 0
      let head = ''
      res.on('data', (chunk: Buffer) => { if (received < 4096) head += chunk.toString(); received += chunk.length })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, received, head }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    let left = bytes
    const write = (): void => {
      while (left > 0) {
        const chunk = CHUNK.subarray(0, Math.min(left, CHUNK.length))
        left -= chunk.length
        if (!req.write(chunk)) { req.once('drain', write); return }
      }
      req.end()
    }
    write()
  })
}

/** Uploads `files` files of `bytesPerFile` at once, then downloads each once at once; MB/s over each whole batch. */
export async function measureFiles (subject: Pick<Subject, 'url' | 'pid'>, files: number, bytesPerFile: number, log: (line: string) => void): Promise<FilesResult> {
  await waitIdle(subject.pid)
  const resting = memoryMiB(subject.pid)?.rss
  const reset = resetPeak(subject.pid)
  const timed = async <T>(work: () => Promise<T>): Promise<{ value: T, seconds: number }> => {
    const started = performance.now()
    const value = await work()
    return { value, seconds: (performance.now() - started) / 1000 }
  }
  const uploads = await timed(async () => await Promise.all(Array.from({ length: files }, async () =>
    await send(new URL('/file?ttl_seconds=3600', subject.url), 'POST', bytesPerFile).catch(() => undefined))))
  const keys = uploads.value.map((u) => u?.status === 201 ? (JSON.parse(u.head) as { secret_key: string }).secret_key : undefined)
  const downloads = await timed(async () => await Promise.all(keys.map(async (key) =>
    key === undefined ? undefined : await send(new URL(`/file/${key}`, subject.url), 'GET').catch(() => undefined))))
  const uploaded = keys.filter((k) => k !== undefined).length
  const downloaded = downloads.value.filter((d) => d?.status === 200 && d.received === bytesPerFile).length
  const peak = memoryMiB(subject.pid)?.peak
  const result: FilesResult = {
    files,
    bytesPerFile,
    uploadMBps: uploaded * bytesPerFile / 1e6 / uploads.seconds,
    downloadMBps: downloaded * bytesPerFile / 1e6 / downloads.seconds,
    ...(resting !== undefined ? { restingRssMiB: Math.round(resting) } : {}),
    ...(reset && peak !== undefined ? { peakRssMiB: Math.round(peak) } : {}),
    errors: files - downloaded
  }
  log(`  ${uploaded}/${files} uploaded at ${result.uploadMBps.toFixed(0)} MB/s, ${downloaded} downloaded whole at ${result.downloadMBps.toFixed(0)} MB/s, server RSS ${result.restingRssMiB ?? '?'} MiB resting, ${result.peakRssMiB ?? '?'} MiB at the peak`)
  return result
}
