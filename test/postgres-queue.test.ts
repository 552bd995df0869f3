// postgres.js's connection queue as patched by scripts/patch-postgres.ts (ADR 10): installed in
// every build, same behaviour as published, and bounded when the pool never runs idle.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { postgresQueuePatched } from '../functions/_lib/postgres-queue-check.ts'
import { isPatched, loadQueue as load, patchQueue, QUEUE_FILES, unpatchQueue } from '../scripts/patch-postgres.ts'

const installed = readFileSync(new URL('../node_modules/postgres/src/queue.js', import.meta.url), 'utf8')
const published = unpatchQueue(installed)

test('every build of postgres.js in node_modules (ESM, Workers, CommonJS) carries the queue patch', () => {
  for (const file of QUEUE_FILES) {
    const source = readFileSync(new URL(`../node_modules/postgres/${file}`, import.meta.url), 'utf8')
    assert.ok(isPatched(source), `${file} is not patched: npm's postinstall runs node scripts/patch-postgres.ts`)
  }
  assert.ok(published !== undefined, 'the patch can be taken back out: it is exactly the two edits')
  assert.equal(patchQueue(published), installed)
})

test('the server recognises a patched and an unpatched postgres.js (it warns at start about the latter)', () => {
  assert.ok(published !== undefined)
  assert.equal(postgresQueuePatched(), true, 'the postgres.js this process resolves')
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-queue-'))
  try {
    for (const [source, patched] of [[published, false], [installed, true]] as const) {
      writeFileSync(join(dir, 'queue.js'), source)
      assert.equal(postgresQueuePatched(pathToFileURL(join(dir, 'queue.js'))), patched)
      assert.equal(isPatched(source), patched)
    }
    assert.equal(postgresQueuePatched(pathToFileURL(join(dir, 'missing.js'))), false)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the patched queue answers every sequence of push, shift and remove exactly as the published one', async () => {
  assert.ok(published !== undefined)
  const [Published, Patched] = [await load(published), await load(installed)]
  // Long runs that rarely empty the queue, so that the patch's compaction (after 64 shifts) runs.
  const op = fc.oneof(
    { arbitrary: fc.constant({ kind: 'push' as const }), weight: 4 },
    { arbitrary: fc.constant({ kind: 'shift' as const }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('remove' as const), item: fc.nat(1200) }), weight: 1 }
  )
  fc.assert(fc.property(fc.nat(100), fc.array(op, { minLength: 300, maxLength: 1000 }), (initial, ops) => {
    const start = Array.from({ length: initial }, (_, i) => i)
    const a = Published(start)
    const b = Patched(start)
    let next = initial
    for (const step of ops) {
      if (step.kind === 'push') {
        assert.equal(a.push(next), b.push(next))
        next++
      } else if (step.kind === 'shift') {
        if (a.length === 0) continue // both answer undefined, and the published one then misplaces its index
        assert.equal(a.shift(), b.shift())
      } else {
        assert.equal(a.remove(step.item), b.remove(step.item))
      }
      assert.equal(a.length, b.length)
    }
  }), { numRuns: 300 })
})

// The queue keeps its items in `initial.slice()`: an Array subclass survives slice() (species),
// so its push() can record how long the queue's own array gets. No timing involved.
class MeasuredArray<T> extends Array<T> {
  static longest = 0
  override push (...items: T[]): number {
    const length = super.push(...items)
    MeasuredArray.longest = Math.max(MeasuredArray.longest, length)
    return length
  }
}

async function longestUnderRoundRobin (source: string, queries: number): Promise<number> {
  const Queue = await load(source)
  MeasuredArray.longest = 0
  const connections = MeasuredArray.from({ length: 10 }, (_, i) => ({ i }))
  const busy = Queue(connections)
  // The pool with every connection busy (postgres.js src/index.js go() and move()).
  for (let q = 0; q < queries; q++) {
    const connection = busy.shift()
    assert.ok(connection !== undefined)
    busy.remove(connection)
    busy.push(connection)
  }
  return MeasuredArray.longest
}

test('with every connection busy the published queue grows by a slot per query; the patched one stays near its ten connections', async () => {
  assert.ok(published !== undefined)
  assert.ok(await longestUnderRoundRobin(published, 20_000) > 20_000, 'the measurement sees the published behaviour')
  assert.ok(await longestUnderRoundRobin(installed, 20_000) <= 10 + 64 + 1)
})
