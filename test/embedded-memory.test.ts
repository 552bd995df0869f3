// The embedded PGlite's memory (ADR 11): V8's baseline WebAssembly compiler only (the optimizing
// one took ~600 MB for a single function of PostgreSQL's WASM and doubled the process's peak),
// and shared buffers of 32 MB instead of PostgreSQL's 128 MB in WASM memory that never shrinks.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { pgliteTemplate, REAL_POSTGRES, startTestApp } from './helper.ts'

const embeddedUrl = new URL('../functions/_lib/embedded.ts', import.meta.url).href
const postgresUrl = import.meta.resolve('postgres')

test('the embedded database\'s WASM is never handed to V8\'s optimizing compiler, however hot it runs', { timeout: 120_000 }, async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'burnlink-wasm-'))
  t.after(() => { rmSync(dataDir, { recursive: true, force: true }) })
  cpSync(await pgliteTemplate(), join(dataDir, 'pglite'), { recursive: true })
  // Enough work for V8's dynamic tiering to optimize PostgreSQL's hottest functions, as it did
  // within seconds of a server's start before the flags were set.
  const script = `import postgres from '${postgresUrl}'
import { startEmbedded } from '${embeddedUrl}'
const db = await startEmbedded(${JSON.stringify(dataDir)}, 2)
const sql = postgres({ host: db.host, port: db.port, database: 'postgres', username: 'postgres', max: 1, onnotice: () => {} })
await sql\`create table t (id int primary key, body text)\`
for (let i = 0; i < 2000; i++) await sql\`insert into t values (\${i}, repeat('x', 1000)) on conflict (id) do update set body = excluded.body\`
for (let i = 0; i < 2000; i++) await sql\`select count(*) from t where id > \${i % 100}\`
await new Promise((resolve) => setTimeout(resolve, 3000))
await sql.end()
await db.stop()`
  // A file, not --eval: the worker thread inherits the flags, and --input-type would fail it.
  const probe = join(dataDir, 'probe.mjs')
  writeFileSync(probe, script)
  const run = spawnSync(process.execPath, ['--trace-wasm-compilation-times', probe], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  assert.equal(run.status, 0, run.stderr)
  const compiled = [...run.stdout.matchAll(/^Compiled function \S+ using (\w+)/gm)].map((m) => m[1])
  assert.ok(compiled.filter((tier) => tier === 'Liftoff').length > 1000, 'V8 traced the baseline compilation of PostgreSQL\'s functions')
  assert.deepEqual(compiled.filter((tier) => tier !== 'Liftoff'), [], 'no function was compiled by another tier')
})

test('the embedded database runs with 32 MB of shared buffers', { skip: REAL_POSTGRES ? 'a real PostgreSQL keeps its own setting' : false }, async (t) => {
  const { app } = await startTestApp(t)
  const [row] = await app.sql<[{ shared_buffers: string }]>`show shared_buffers`
  assert.equal(row.shared_buffers, '32MB')
})
