// Every variable Burnlink reads is documented in .env.example and wired in docker-compose.yml.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { parse } from 'yaml'
import { ALL_FUNCTIONS } from '../functions/index.ts'
import { loadConfig } from '../functions/_lib/platform/config.ts'
import { EnvSchema } from '../functions/_lib/platform/env-schema.ts'

const root = new URL('../', import.meta.url)
const envExample = readFileSync(new URL('.env.example', root), 'utf8')
const composeText = readFileSync(new URL('docker-compose.yml', root), 'utf8')

interface Service {
  image?: string
  profiles?: string[]
  environment?: Record<string, string | number | null>
  ports?: unknown[]
  volumes?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
}
// merge: the file shares settings between services with YAML anchors and `<<` merge keys.
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>, volumes: Record<string, unknown> }
const services = compose.services

/** Read from the schema itself, so a variable added to config.ts is checked without editing this. */
const APP_VARIABLES = Object.keys(EnvSchema.properties)
/** Every deployable function gets its own container in the gateway profile (health is in each). */
const FUNCTION_SERVICES = ALL_FUNCTIONS.map((fn) => fn.name).filter((name) => name !== 'health')
const BURNLINK_SERVICES = ['app', 'worker', ...FUNCTION_SERVICES]

/** NAME for each `NAME=` line, commented out or not. */
const documented = new Set([...envExample.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]))
/** NAME for each ${NAME}, ${NAME:-default} or ${NAME-default} that compose substitutes. */
const interpolated = new Set([...composeText.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]))

test('.env.example documents every variable in the configuration schema', () => {
  assert.ok(APP_VARIABLES.length >= 20, 'the schema was read')
  const missing = APP_VARIABLES.filter((name) => !documented.has(name))
  assert.deepEqual(missing, [], `undocumented in .env.example: ${missing.join(', ')}`)
  // Each one explained by the comment above it (or above the group of variables it belongs to).
  const lines = envExample.split('\n')
  for (const name of APP_VARIABLES) {
    let at = lines.findIndex((line) => new RegExp(`^#? ?${name}=`).test(line))
    while (at > 0 && /^#? ?[A-Z][A-Z0-9_]*=/.test(lines[at - 1] ?? '')) at--
    assert.match(lines[at - 1] ?? '', /^# \S/, `${name} has no explanation above it`)
  }
})

test('.env.example names nothing that neither Burnlink nor compose reads', () => {
  const stale = [...documented].filter((name) => name !== undefined && !APP_VARIABLES.includes(name) && !interpolated.has(name))
  assert.deepEqual(stale, [])
  const undocumented = [...interpolated].filter((name) => !documented.has(name))
  assert.deepEqual(undocumented, [], 'compose reads variables .env.example does not mention')
})

test('the values .env.example sets are accepted by the configuration parser', () => {
  const env = Object.fromEntries([...envExample.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']))
  assert.ok(Object.keys(env).length > 0)
  assert.doesNotThrow(() => loadConfig(env))
})

test('every Burnlink service in docker-compose.yml is given every variable', () => {
  for (const name of BURNLINK_SERVICES) {
    const environment = services[name]?.environment ?? {}
    const missing = APP_VARIABLES.filter((variable) => !(variable in environment))
    assert.deepEqual(missing, [], `${name} does not wire ${missing.join(', ')}`)
  }
})

test('the gateway profile runs one function per container, the worker apart, behind nginx', () => {
  assert.ok(FUNCTION_SERVICES.includes('read-secret'))
  for (const name of FUNCTION_SERVICES) {
    const service = services[name]
    assert.ok(service !== undefined, `no compose service for the function ${name}`)
    assert.deepEqual(service?.profiles, ['gateway'])
    assert.equal(service?.environment?.FUNCTIONS, name, 'the service is named after its function')
    assert.equal(service?.environment?.RUN_WORKER, 'false')
    assert.equal(service?.image, services.app?.image, 'one image for every function')
    assert.equal(services.gateway?.depends_on?.[name]?.condition, 'service_healthy')
    assert.equal(service?.depends_on?.worker?.condition, 'service_healthy', 'the worker creates the shared key first')
  }
  assert.deepEqual(services.worker?.profiles, ['gateway'])
  assert.match(services.gateway?.image ?? '', /^nginx:\d/)
  assert.ok(services.gateway?.volumes?.includes('./functions/_host/nginx.conf:/etc/nginx/nginx.conf:ro'))
  const nginx = readFileSync(new URL('functions/_host/nginx.conf', root), 'utf8')
  for (const name of FUNCTION_SERVICES) {
    assert.match(nginx, new RegExp(`upstream ${name} +\\{ server ${name}:8080;`), `nginx has no upstream for ${name}`)
    assert.match(nginx, new RegExp(`(proxy_pass http://|^ +[A-Z]+ +)${name};`, 'm'), `nginx routes nothing to ${name}`)
  }
})

test('the database is official PostgreSQL 17, private, persistent and awaited until healthy', () => {
  const db = services.db
  assert.equal(db?.image, 'postgres:17')
  assert.equal(db?.ports, undefined, 'the database port must not be published')
  assert.ok(db?.volumes?.some((volume) => volume.startsWith('db-data:')))
  assert.ok(db?.healthcheck !== undefined)
  for (const name of BURNLINK_SERVICES) {
    const service = services[name]
    assert.equal(service?.depends_on?.db?.condition, 'service_healthy', name)
    assert.ok(service?.volumes?.includes('burnlink-data:/data'), `${name} keeps DATA_DIR in the named volume`)
    assert.equal(service?.environment?.DATA_DIR, '/data')
  }
  assert.ok('db-data' in compose.volumes && 'burnlink-data' in compose.volumes)
})
