// Every Burnlink process starts through functions/_host/run.sh, the one place that states node's
// flags and the compile cache, and the image's compile cache really spares each process Node's
// TypeScript stripper.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { startBurnlink } from './faults/burnlink-process.ts'
import { freePort } from './faults/private-postgres.ts'

const root = fileURLToPath(new URL('../', import.meta.url))
const read = (file: string): string => readFileSync(join(root, file), 'utf8')
const runScript = read('functions/_host/run.sh')
/** The flags run.sh gives node. */
const RUN_FLAGS = /^exec node ((?:--\S+ )*)"/m.exec(runScript)?.[1]?.trim().split(' ') ?? []

test('npm start, npm run worker, the image and compose\'s worker all start through run.sh, and nothing else sets node flags', () => {
  assert.ok(RUN_FLAGS.length > 0, 'run.sh states the flags')
  const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
  assert.equal(scripts.start, 'functions/_host/run.sh serve')
  assert.equal(scripts.worker, 'functions/_host/run.sh worker')
  const dockerfile = read('Dockerfile')
  assert.match(dockerfile, /^CMD \["functions\/_host\/run\.sh", "serve"\]$/m)
  assert.match(dockerfile, /NODE_COMPILE_CACHE=\/app\/\.cache\/node-compile/, 'the image keeps its compile cache outside node_modules')
  assert.match(dockerfile, /RUN node scripts\/warm-compile-cache\.ts/, 'and fills it when it is built')
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, { command?: string[] }> }
  assert.deepEqual(compose.services.worker?.command, ['functions/_host/run.sh', 'worker'])
  for (const [file, text] of [['Dockerfile', dockerfile], ['docker-compose.yml', read('docker-compose.yml')]]) {
    assert.doesNotMatch(text ?? '', /NODE_OPTIONS|--max-semi-space-size/, `${file} states no node flag of its own`)
  }
})

test('run.sh puts node in its own place, with its flags and a compile cache, and SIGTERM still stops it cleanly', async () => {
  // No database answers on this port: the server starts all the same (/healthz), as in production.
  const server = await startBurnlink({ POSTGRES_HOST: '127.0.0.1', POSTGRES_PORT: String(await freePort()) }, 'healthz')
  try {
    const argv = readFileSync(`/proc/${server.pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '')
    assert.match(argv[0] ?? '', /(^|\/)node$/, 'the process is node itself, not a shell waiting on it')
    assert.deepEqual(argv.slice(1, -1), RUN_FLAGS)
    assert.equal(argv.at(-1), join(root, 'functions/_host/serve.ts'))
    const environ = readFileSync(`/proc/${server.pid}/environ`, 'utf8').split('\0')
    assert.ok(environ.includes(`NODE_COMPILE_CACHE=${join(root, 'node_modules/.cache/node-compile')}`), 'the default compile cache')
  } finally {
    await server.stop()
  }
  assert.equal(await server.exited, 0)
})

test('a process with the warmed compile cache and run.sh\'s flags loads the server without the TypeScript stripper', () => {
  const cache = mkdtempSync(join(tmpdir(), 'burnlink-compile-cache-'))
  try {
    const env = { ...process.env, NODE_COMPILE_CACHE: cache }
    const warm = spawnSync(process.execPath, ['scripts/warm-compile-cache.ts'], { cwd: root, env, encoding: 'utf8' })
    assert.equal(warm.status, 0, warm.stderr)
    const probe = "await import('./functions/_host/start.ts'); await import('./functions/_host/jobs.ts'); " +
      "process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('amaro'))))"
    const loaded = (cacheDir: string | undefined): string[] => {
      const run = spawnSync(process.execPath, [...RUN_FLAGS, '--input-type=module', '-e', probe], {
        cwd: root,
        env: cacheDir === undefined ? { ...process.env, NODE_COMPILE_CACHE: '' } : env,
        encoding: 'utf8'
      })
      assert.equal(run.status, 0, run.stderr)
      return JSON.parse(run.stdout) as string[]
    }
    assert.notDeepEqual(loaded(undefined), [], 'without a cache the stripper is loaded (the probe can tell)')
    assert.deepEqual(loaded(cache), [], 'with the warmed cache it is not')
  } finally {
    rmSync(cache, { recursive: true, force: true })
  }
})
