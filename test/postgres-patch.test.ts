// postgres.js as patched by scripts/patch-postgres.ts (ADR 10): installed in every build; the
// connection queue behaves as published and stays bounded when the pool never runs idle; a
// finished query no longer holds its arguments; queries over 1 KiB share the turn's one write.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { setImmediate as nextMacrotask } from 'node:timers/promises'
import { pathToFileURL } from 'node:url'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import postgres from 'postgres'
import { postgresPatched } from '../functions/_lib/postgres-patch-check.ts'
import { isApplied, loadQueue as load, patchModule, PATCHES, unpatchModule, unpatchQueue } from '../scripts/patch-postgres.ts'
import { onCleanup, startTestApp } from './helper.ts'

const moduleText = (file: string): string => readFileSync(new URL(`../node_modules/postgres/${file}`, import.meta.url), 'utf8')
const installed = moduleText('src/queue.js')
const published = unpatchQueue(installed)

test('every build of postgres.js in node_modules (ESM, Workers, CommonJS) carries every patch, and exactly their edits', () => {
  for (const patch of PATCHES) {
    for (const file of patch.files) {
      const source = moduleText(file)
      assert.ok(isApplied(patch, source), `${file} lacks the ${patch.name} patch: npm's postinstall runs node scripts/patch-postgres.ts`)
      const before = unpatchModule(patch, source)
      assert.ok(before !== undefined && !isApplied(patch, before), `${file}: the patch can be taken back out`)
      assert.equal(patchModule(patch, before), source)
    }
  }
})

test('the server recognises a patched and an unpatched postgres.js (it warns at start about the latter)', () => {
  assert.equal(postgresPatched(), true, 'the postgres.js this process resolves')
  const [queue, connection] = [moduleText('src/queue.js'), moduleText('src/connection.js')]
  const unpatched = (file: string, text: string): string | undefined => PATCHES
    .filter((patch) => patch.files.includes(`src/${file}`))
    .reduce<string | undefined>((source, patch) => source === undefined ? undefined : unpatchModule(patch, source), text)
  const dir = mkdtempSync(join(tmpdir(), 'burnlink-patch-'))
  const at = pathToFileURL(`${dir}/`)
  try {
    const cases = [
      [queue, connection, true],
      [unpatched('queue.js', queue), connection, false],
      [queue, unpatched('connection.js', connection), false]
    ] as const
    for (const [queueText, connectionText, patched] of cases) {
      assert.ok(queueText !== undefined && connectionText !== undefined)
      writeFileSync(join(dir, 'queue.js'), queueText)
      writeFileSync(join(dir, 'connection.js'), connectionText)
      assert.equal(postgresPatched(at), patched)
    }
    rmSync(join(dir, 'connection.js'))
    assert.equal(postgresPatched(at), false)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a finished query no longer keeps its arguments alive', async (t) => {
  const { app } = await startTestApp(t)
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  let argument: Buffer | undefined = Buffer.alloc(256 * 1024, 7)
  const weak = new WeakRef(argument)
  const query = app.sql<Array<{ n: number }>>`select octet_length(${argument})::int as n`
  const [row] = await query
  assert.equal(row?.n, 256 * 1024)
  argument = undefined
  // WeakRef targets stay alive until the current job ends.
  await nextMacrotask()
  gc()
  // The query itself is still referenced here, as something kept finished queries referenced in
  // the server (ADR 10): what it holds must not include the argument or its hex text.
  // (Not assert.equal: a failure would carry the 256 KiB buffer into the report.)
  assert.ok(weak.deref() === undefined, 'the finished query still holds its argument')
  assert.ok(query instanceof Promise)
})

test('queries over 1 KiB pipelined on one connection in one turn go out in one socket write', async (t) => {
  const { app } = await startTestApp(t)
  await app.databaseReady
  const target = app.database
  const writes: number[] = []
  // postgres.js reads a `socket` option (its README: custom socket) that its types leave out.
  const options: postgres.Options<Record<string, never>> & { socket: () => Promise<Socket> } = {
    host: target.host,
    port: target.port,
    database: target.database,
    username: target.user,
    ...(target.password === undefined ? {} : { password: target.password }),
    max: 1,
    onnotice: () => {},
    // postgres.js takes a connected socket; its write() calls are the ones to count.
    socket: async () => {
      const socket = connect(target.port, target.host)
      await once(socket, 'connect')
      const write = socket.write.bind(socket) as (chunk: Uint8Array, callback?: () => void) => boolean
      socket.write = ((chunk: Uint8Array, callback?: () => void) => {
        writes.push(chunk.length)
        return write(chunk, callback)
      }) as typeof socket.write
      return socket
    }
  }
  const sql = postgres(options)
  onCleanup(t, async () => { await sql.end() })
  // Like a create: the parameter travels as hex, so each query's messages exceed 1 KiB.
  const secret = Buffer.alloc(1100, 7)
  const query = async (): Promise<number> => (await sql<Array<{ n: number }>>`select octet_length(${secret})::int as n`)[0]?.n ?? -1
  assert.equal(await query(), 1100) // connects, then prepares the statement (its own round trip)
  writes.length = 0
  const results = await Promise.all([query(), query(), query(), query()])
  assert.deepEqual(results, [1100, 1100, 1100, 1100])
  // Published postgres.js writes each at once: four writes of ~2.3 KB.
  assert.equal(writes.length, 1, `writes: ${writes.join(', ')}`)
  assert.ok((writes[0] ?? 0) > 4 * 2200)
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
