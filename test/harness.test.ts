// The test harness itself: cleanups run in reverse, and a test process that ends abnormally says how.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { test } from 'node:test'
import { onCleanup } from './helper.ts'

const order: string[] = []

test('cleanups registered with onCleanup run last first', (t) => {
  onCleanup(t, () => { order.push('database dropped') })
  onCleanup(t, async () => { await Promise.resolve(); order.push('app closed') })
  onCleanup(t, () => { order.push('browser closed') })
})

test('(the order the previous test left)', () => {
  assert.deepEqual(order, ['browser closed', 'app closed', 'database dropped'])
})

test('a failing cleanup does not keep the earlier ones from running', async () => {
  const ran: string[] = []
  const hooks: Array<() => unknown> = []
  const context = { after: (fn: () => unknown) => { hooks.push(fn) } }
  onCleanup(context, () => { ran.push('database dropped') })
  onCleanup(context, () => { throw new Error('app cannot close') })
  assert.equal(hooks.length, 1, 'one after-hook per test')
  await assert.rejects(async () => { await hooks[0]?.() }, /app cannot close/)
  assert.deepEqual(ran, ['database dropped'])
})

const exitReport = new URL('./exit-report.ts', import.meta.url).href

function runChild (body: string): { status: number | null, signal: NodeJS.Signals | null, stderr: string } {
  const script = `import { installExitReport } from ${JSON.stringify(exitReport)}\ninstallExitReport()\n${body}`
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 })
  return { status: child.status, signal: child.signal, stderr: child.stderr }
}

test('a process.exit() with a failure code is reported with the call that made it', () => {
  const child = runChild('function quitsHere () { process.exit(3) }\nquitsHere()')
  assert.equal(child.status, 3)
  assert.match(child.stderr, /\[exit-report\] .*process\.exit\(3\)/)
  assert.match(child.stderr, /at quitsHere /)
})

test('a terminating signal is reported, and still ends the process by that signal', () => {
  const child = runChild("setInterval(() => {}, 1000)\nprocess.kill(process.pid, 'SIGTERM')")
  assert.equal(child.signal, 'SIGTERM')
  assert.match(child.stderr, /\[exit-report\] .*received SIGTERM/)
})

test('a clean exit, or a failure code set without process.exit (as failing tests do), reports nothing', () => {
  const clean = runChild('process.exit(0)')
  assert.equal(clean.status, 0)
  assert.equal(clean.stderr, '')
  const failed = runChild('process.exitCode = 1')
  assert.equal(failed.status, 1)
  assert.equal(failed.stderr, '')
})
