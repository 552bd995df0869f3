// The README's configuration table lists every variable the service reads, and no others.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { EnvSchema } from '../functions/_lib/platform/env-schema.ts'

test('every configuration variable is in the README table, and every variable there exists', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const documented = new Set([...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]))
  const declared = new Set(Object.keys(EnvSchema.properties))
  assert.deepEqual([...declared].filter((name) => !documented.has(name)), [], 'missing from the README')
  assert.deepEqual([...documented].filter((name) => name !== undefined && !declared.has(name)), [], 'documented but not read')
})
