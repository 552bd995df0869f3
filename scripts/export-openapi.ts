// `npm run openapi [file]`: writes the OpenAPI document (default docs/openapi.json) without a database.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { openApiDocument } from '../functions/_host/docs.ts'
import { ALL_FUNCTIONS } from '../functions/index.ts'
import { auditor } from '../functions/_lib/secrets/audit.ts'
import { loadConfig } from '../functions/_lib/platform/config.ts'
import { keyring, masterKey } from '../functions/_lib/secrets/crypto.ts'
import { HashPool } from '../functions/_lib/secrets/passphrase.ts'

const out = process.argv[2] ?? 'docs/openapi.json'
// Building the document registers routes only; the key is never used.
const keys = keyring(masterKey(randomBytes(32)))
const config = loadConfig()
const deps = { config, keys, hashPool: new HashPool(config.passphraseHashConcurrency), who: auditor('full', keys.current.bytes, config.clientIpv6Prefix) }
writeFileSync(out, JSON.stringify(await openApiDocument(ALL_FUNCTIONS, deps), null, 2) + '\n')
process.stdout.write(`wrote ${out}\n`)
