// Whether the postgres.js this process loads carries Burnlink's connection-queue patch (ADR 10).
import { readFileSync } from 'node:fs'

/** Written into queue.js by scripts/patch-postgres.ts (test/postgres-queue.test.ts keeps the two in step). */
export const PATCH_MARK = 'burnlink: scripts/patch-postgres.ts'

/**
 * Without the patch the pool's busy queue grows by a slot per query under sustained load and CPU
 * per query grows with it; an install that skipped the install scripts (`--ignore-scripts`) lacks it.
 */
export function postgresQueuePatched (queueFile: URL = new URL('queue.js', import.meta.resolve('postgres'))): boolean {
  try {
    return readFileSync(queueFile, 'utf8').includes(PATCH_MARK)
  } catch {
    return false
  }
}
