// Runs the command-line client as a user does (node cli/burnlink.ts), for the CLI and browser tests.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CLI = join(import.meta.dirname, '..', 'cli', 'burnlink.ts')

export interface Run { code: number | null, stdout: Buffer, stderr: string }

/**
 * One CLI run. detached gives it a session of its own, without a controlling terminal, as under
 * cron or CI: a passphrase then comes from the environment or standard input, never a prompt.
 */
export async function run (args: string[], options: { input?: string | Buffer, env?: Record<string, string>, cwd?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? '', ...options.env },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
  child.stdin.on('error', () => {}) // a run that refuses early closes its standard input
  child.stdin.end(options.input)
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') }
}

/** A user mistake or an expected failure: one line on standard error, no stack trace. */
export function assertOneLine (result: Run, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, result.stderr)
  const lines = result.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `one line on stderr, got: ${result.stderr}`)
  assert.match(lines[0] ?? '', /^burnlink: /)
  assert.match(lines[0] ?? '', pattern)
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace')
}
