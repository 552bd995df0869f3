// When a test process ends abnormally, say how. node:test reports a child that exits mid-test
// only as the file's "test failed", without its exit code or signal; twice in CI a PGlite test
// file ended that way with no other output. This leaves a line on stderr (which the runner
// shows) with the code and the call that exited, or the signal that ended the process.
// (SIGKILL cannot be caught: a death with no such line points to it, or to a crash in native code.)
import { writeSync } from 'node:fs'

const TERMINATING_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const

function report (text: string): void {
  // Synchronous: process.exit() does not wait for a stream to flush.
  writeSync(2, `[exit-report] ${process.argv[1] ?? 'test process'} (pid ${process.pid}, ${process.uptime().toFixed(1)} s): ${text}\n`)
}

export function installExitReport (): void {
  if (process.exit.name === 'reportedExit') return
  const exit = process.exit.bind(process)
  // process.exit() is patched rather than an 'exit' listener used: a file whose tests fail also
  // ends with code 1, and that needs no report. The stack names the caller.
  process.exit = function reportedExit (code?: number | string | null) {
    const effective = code ?? process.exitCode ?? 0
    if (Number(effective) !== 0) report(`process.exit(${String(effective)})\n${new Error('exited here').stack ?? ''}`)
    return exit(code)
  }
  for (const signal of TERMINATING_SIGNALS) {
    process.on(signal, function reportSignal () {
      report(`received ${signal}`)
      // Alone, end the process as the signal would have; beside another handler (Playwright
      // installs some while a browser runs), leave the decision to it.
      if (process.listenerCount(signal) === 1) {
        process.off(signal, reportSignal)
        process.kill(process.pid, signal)
      }
    })
  }
}
