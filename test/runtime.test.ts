// The process settings that keep the server's memory down are the same wherever it starts
// (npm start, the container image, the benchmark), and the image's compile cache really spares
// each process Node's TypeScript stripper.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { SERVER_NODE_ARGS } from '../scripts/bench/server.ts'

const root = fileURLToPath(new URL('../', import.meta.url))
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')

test('npm start, npm run worker, the image and the bench run node with the same flags and a compile cache', () => {
  for (const name of ['start', 'worker']) {
    const script = scripts[name] ?? ''
    for (const flag of SERVER_NODE_ARGS) assert.ok(script.includes(` ${flag} `), `npm run ${name} passes ${flag}`)
    assert.match(script, /NODE_COMPILE_CACHE=/, `npm run ${name} sets NODE_COMPILE_CACHE`)
  }
  const nodeOptions = /NODE_OPTIONS=(\S+)/.exec(dockerfile)?.[1] ?? ''
  assert.deepEqual(nodeOptions.replace(/^"|"$/g, '').split(' '), [...SERVER_NODE_ARGS], 'the image sets the same flags in NODE_OPTIONS')
  assert.match(dockerfile, /NODE_COMPILE_CACHE=\/app\/\.cache\/node-compile/)
  assert.match(dockerfile, /RUN node scripts\/warm-compile-cache\.ts/)
})

test('a process with the warmed compile cache loads the server without the TypeScript stripper', () => {
  const cache = mkdtempSync(join(tmpdir(), 'burnlink-compile-cache-'))
  try {
    const env = { ...process.env, NODE_COMPILE_CACHE: cache }
    const warm = spawnSync(process.execPath, ['scripts/warm-compile-cache.ts'], { cwd: root, env, encoding: 'utf8' })
    assert.equal(warm.status, 0, warm.stderr)
    const probe = "await import('./functions/_host/start.ts'); await import('./functions/_host/jobs.ts'); " +
      "process.stdout.write(JSON.stringify(process.moduleLoadList.filter((m) => m.includes('amaro'))))"
    const loaded = (cacheDir: string | undefined): string[] => {
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
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
