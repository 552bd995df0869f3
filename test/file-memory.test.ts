// Memory stays flat while large files stream: its own file, so its process starts fresh.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { bytes, download, listen, MiB, sha256, upload } from './file-http.ts'
import { startTestApp } from './helper.ts'

test('four 20 MiB uploads and four downloads in parallel grow the process\'s peak RSS by well under 150 MB', async (t) => {
  // Nine 20 MiB files from one client are past the default storage quota, which is not measured here.
  const { app } = await startTestApp(t, { env: { POSTGRES_POOL_SIZE: '10', STORAGE_QUOTA_BYTES_PER_CLIENT: '0' } })
  const origin = await listen(app)
  const size = 20 * MiB
  const put = async (seed: number): Promise<string> => {
    const res = await upload(origin, bytes(size, seed), size)
    assert.equal(res.status, 201, res.body)
    return (JSON.parse(res.body) as { secret_key: string }).secret_key
  }
  // Warm up every path once, so the figure is what moving files costs, not loading code.
  const warm = await put(99)
  assert.equal((await download(origin, warm)).status, 200)

  const before = process.memoryUsage().rss
  const stored = await Promise.all([1, 2, 3, 4].map(put))
  const [downloads] = await Promise.all([
    Promise.all(stored.map(async (key) => await download(origin, key))),
    Promise.all([5, 6, 7, 8].map(put))
  ])
  const peak = process.resourceUsage().maxRSS * 1024
  const growth = peak - before
  t.diagnostic(`peak RSS ${Math.round(peak / MiB)} MiB, ${Math.round(growth / MiB)} MiB over the ${Math.round(before / MiB)} MiB before (server and test client in one process)`)
  for (const [i, res] of downloads.entries()) {
    assert.equal(res.status, 200)
    assert.deepEqual({ hex: res.hex, length: res.length }, await sha256(bytes(size, i + 1)))
  }
  assert.ok(growth < 150 * 1000 * 1000, `grew by ${growth} bytes`)
})
