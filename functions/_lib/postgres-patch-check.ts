// Whether the postgres.js this process loads carries Burnlink's patches (ADR 10).
import { readFileSync } from 'node:fs'

/** Written into each patched module by scripts/patch-postgres.ts (test/postgres-patch.test.ts keeps the two in step). */
export const PATCH_MARK = 'burnlink: scripts/patch-postgres.ts'

/** The patched modules, next to postgres.js's entry point in each of its builds. */
const PATCHED_MODULES = ['queue.js', 'connection.js'] as const

/**
 * Without the patches the pool's busy queue grows by a slot per query under sustained load (CPU
 * per query grows with it), and finished queries' arguments are promoted to the old generation;
 * an install that skipped the install scripts (`--ignore-scripts`) lacks them.
 */
export function postgresPatched (dir: URL = new URL('./', import.meta.resolve('postgres'))): boolean {
  return PATCHED_MODULES.every((file) => {
    try {
      return readFileSync(new URL(file, dir), 'utf8').includes(PATCH_MARK)
    } catch {
      return false
    }
  })
}
