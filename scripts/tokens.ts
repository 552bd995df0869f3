// `npm run tokens -- create --name NAME | list | revoke --name NAME`: the operator's API tokens,
// on the database the server uses (the same POSTGRES_* configuration, the embedded one included).
import { parseArgs } from 'node:util'
import { createApiToken, listAllApiTokens, revokeApiToken } from '../functions/_lib/accounts/tokens.ts'
import { ConfigError, loadConfig } from '../functions/_lib/platform/config.ts'
import { openPool, resolveTarget } from '../functions/_lib/platform/database.ts'
import { migrate } from '../functions/_lib/platform/migrate.ts'

const USAGE = `Usage: npm run tokens -- create --name NAME   prints the new token (only this once)
       npm run tokens -- list                 name, created, last used, revoked
       npm run tokens -- revoke --name NAME   the token stops working at once`

const { positionals, values } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { name: { type: 'string' } } })
const command = positionals[0]
if (positionals.length !== 1 || !['create', 'list', 'revoke'].includes(command ?? '') || ((command === 'list') !== (values.name === undefined))) {
  process.stderr.write(`${USAGE}\n`)
  process.exit(64)
}

let config
try {
  config = loadConfig()
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`burnlink: configuration error: ${err.message}\n`)
  process.exit(78)
}
// Standard output carries the new token alone: progress is dropped, warnings go to standard error.
const silent = { info: () => {}, warn: (fields: object, message: string) => { process.stderr.write(`burnlink: ${message} ${JSON.stringify(fields)}\n`) } }
const { target, embedded } = await resolveTarget(config, silent)
const sql = openPool(target, 1, 'burnlink-tokens')
try {
  // The tables may not exist yet on a database the server has not started on.
  await migrate(sql, silent)
  process.exitCode = await run(command ?? '', values.name ?? '')
} finally {
  await sql.end()
  await embedded?.stop()
}

async function run (command: string, name: string): Promise<number> {
  if (command === 'create') {
    try {
      process.stdout.write(`${await createApiToken(sql, name, null)}\n`)
    } catch (err) {
      const code = (err as { code?: string }).code
      if (code === '23505') return fail(`a live token is already named "${name}": revoke it first, or choose another name`)
      if (code === '23514') return fail('a name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit')
      throw err
    }
    process.stderr.write(`burnlink: token "${name}" created; it is shown only now: store it where it is needed\n`)
    return 0
  }
  if (command === 'revoke') {
    if (!await revokeApiToken(sql, name, null)) return fail(`no live operator token is named "${name}"`)
    process.stderr.write(`burnlink: token "${name}" revoked\n`)
    return 0
  }
  const rows = await listAllApiTokens(sql)
  const when = (d: Date | null): string => d === null ? '-' : d.toISOString()
  process.stdout.write(['name\towner\tcreated\tlast used\trevoked', ...rows.map((r) =>
    `${r.name}\t${r.owner ?? '(operator)'}\t${when(r.created_at)}\t${when(r.last_used_at)}\t${when(r.revoked_at)}`)].join('\n') + '\n')
  return 0
}

function fail (message: string): number {
  process.stderr.write(`burnlink: ${message}\n`)
  return 1
}
