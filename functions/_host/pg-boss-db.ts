// pg-boss on the process's postgres.js pool (pg-boss's `db` option): one driver, one pool.
import type postgres from 'postgres'
import type { Db } from 'pg-boss'
import type { Sql } from '../_lib/platform/database.ts'

// pg-boss installs its schema and runs its maintenance as `BEGIN; …; COMMIT;` scripts without
// values. postgres.js refuses a transaction on a shared connection, where other queries may be
// pipelined behind it; a reserved connection takes the script as it is, and postgres.js closes it
// on release if the script failed half-way, so no aborted transaction is handed on.
const STARTS_TRANSACTION = /^\s*begin\b/i

export function bossDatabase (sql: Sql): Db {
  return {
    async executeSql (text, values = []) {
      if (values.length === 0 && STARTS_TRANSACTION.test(text)) {
        const reserved = await sql.reserve()
        try {
          return { rows: rowsOf(await reserved.unsafe(text)) }
        } finally {
          reserved.release()
        }
      }
      // node-postgres, which pg-boss is written for, sends undefined as null; postgres.js rejects it.
      const params = values.map((value) => value ?? null) as postgres.ParameterOrJSON<never>[]
      return { rows: rowsOf(await sql.unsafe(text, params)) }
    }
  }
}

// A script answers with one result per statement. Its rows are those of all of them, as pg-boss
// reads node-postgres's answer: a RETURNING in the middle is not lost behind the COMMIT.
function rowsOf (result: readonly unknown[]): unknown[] {
  return result.length > 0 && result.every(Array.isArray) ? result.flat() : [...result]
}
