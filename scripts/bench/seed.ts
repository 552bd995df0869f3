// Puts secrets into the database with SQL, in the server's format: revealable ones (sealed with
// the server's master key, their keys written to a file) and bulk rows nobody can reveal.
import { writeFileSync } from 'node:fs'
import type postgres from 'postgres'
import { keyring, masterKey, seal, type Keyring } from '../../functions/_lib/secrets/crypto.ts'
import { newToken } from '../../functions/_lib/secrets/token.ts'
import { SECRET_1KIB } from './load-child.ts'

const BATCH = 2000

/** Bytes of the ciphertext the server stores for a 1 KiB secret (header, padding and tag included). */
export function sealedSize (): number {
  return seal(SECRET_1KIB, newToken(), keyring(masterKey(Buffer.alloc(32)))).length
}

/** Inserts `count` revealable 1 KiB secrets (TTL one day) and writes their keys to `keysFile`. */
export async function seedRevealable (sql: postgres.Sql, keys: Keyring, count: number, keysFile: string): Promise<void> {
  const all: string[] = []
  for (let done = 0; done < count; done += BATCH) {
    const n = Math.min(BATCH, count - done)
    // Hex text arrays: postgres.js sends an array of Buffers as one bytea, not bytea[].
    const ids: string[] = []
    const refs: string[] = []
    const ciphertexts: string[] = []
    for (let i = 0; i < n; i++) {
      const token = newToken()
      ids.push(token.id.toString('hex'))
      refs.push(token.ref)
      ciphertexts.push(seal(SECRET_1KIB, token, keys).toString('hex'))
      all.push(token.key)
    }
    await sql`
      insert into secret (id, ref, ciphertext, expires_at)
      select decode(id, 'hex'), ref, decode(ciphertext, 'hex'), now() + interval '1 day'
      from unnest(${ids}::text[], ${refs}::text[], ${ciphertexts}::text[]) as t(id, ref, ciphertext)`
  }
  writeFileSync(keysFile, all.join('\n') + '\n')
}

/**
 * Bulk rows of the same shape and size as a stored 1 KiB secret (32-byte id, 24-char ref, a
 * ciphertext of sealedSize() bytes), nobody holds a key for. Rows stay under PostgreSQL's ~2 KB
 * TOAST threshold, so their content's compressibility does not matter. `expired` rows lie one
 * hour in the past, for the purge job.
 */
export async function seedFiller (sql: postgres.Sql, count: number, expired = false): Promise<void> {
  const size = sealedSize()
  const repeats = Math.ceil(size / 16) // md5 gives 16 bytes
  const chunk = 100_000
  for (let done = 0; done < count; done += chunk) {
    const n = Math.min(chunk, count - done)
    const salt = `${Date.now()}-${done}-${expired ? 'e' : 'l'}`
    await sql`
      insert into secret (id, ref, ciphertext, created_at, expires_at)
      select
        sha256(convert_to(${salt} || i::text, 'UTF8')),
        left(md5(${salt} || i::text), 24),
        substring(decode(repeat(md5(${salt} || i::text), ${repeats}), 'hex') for ${size}),
        case when ${expired} then now() - interval '2 hours' else now() end,
        case when ${expired} then now() - interval '1 hour' else now() + interval '1 day' end
      from generate_series(1, ${n}) as i`
  }
}
