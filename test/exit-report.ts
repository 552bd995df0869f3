// When a test process ends abnormally, say how. node:test reports a child that exits mid-test
// only as the file's "test failed", without its exit code or signal; twice in CI a PGlite test
// file ended that way with no other output. This leaves a line on stderr (which the runner
// shows) with the code and the call that exited, or the signal that ended the process.
import { writeSync } from 'node:fs'

const TERMINATING_SIGNALS = ['SIGTERM', 'SIGHUP', 'SIGINT'] as const

function report (text: string): void {
  // Synchronous: an 'exit' listener cannot wait for a stream to flush.
  writeSync(2, `[exit-report] ${process.argv[1] ?? 'test process'} (pid ${process.pid}, ${process.uptime().toFixed(1)} s): ${text}\n`)
}

export function installExitReport (): void {
  if (process.listeners('exit').some((listener) => listener.name === 'reportAbnormalExit')) return
  process.on('exit', function reportAbnormalExit (code) {
    // The stack shows who called process.exit(); a natural end with a failure code shows none.
    if (code !== 0) report(`exit code ${code}\n${new Error('exited here').stack ?? ''}`)
  })
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
