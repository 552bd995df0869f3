// Micro-benchmark behind two profile findings: Node spends more CPU recognising Buffer keys than
// encrypting, and more building a Hash object than hashing. Compares the server's seal (HKDF +
// AES-256-GCM of 1 KiB) with Buffer keys against the same with KeyObjects
// (crypto.createSecretKey), and a token's id and ref (two SHA-256, token.ts) through createHash
// against one-shot crypto.hash. Run: node scripts/bench/crypto-keys.ts
import { createCipheriv, createHash, createSecretKey, hash, hkdfSync, randomBytes, type KeyObject } from 'node:crypto'

const master = randomBytes(32)
const info = 'burnlink.data-key.v1'
const tokens = Array.from({ length: 1000 }, () => randomBytes(32))
const nonce = randomBytes(12)
const body = 'x'.repeat(1024)

function encrypt (key: Buffer | KeyObject): void {
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  cipher.update(body, 'utf8')
  cipher.final()
  cipher.getAuthTag()
}

const variants: Record<string, (token: Buffer) => void> = {
  'Buffer keys': (token) => encrypt(Buffer.from(hkdfSync('sha256', token, master, info, 32))),
  'KeyObjects for the HKDF input and the AES key (as in functions/_lib/crypto.ts)': (token) => encrypt(createSecretKey(Buffer.from(hkdfSync('sha256', createSecretKey(token), master, info, 32)))),
  'AES-256-GCM alone, Buffer key (no derivation)': () => encrypt(master),
  'AES-256-GCM alone, KeyObject (no derivation)': () => encrypt(createSecretKey(master)),
  'token id + ref, createHash': (token) => tokenHashes(token, (data) => createHash('sha256').update(data).digest()),
  'token id + ref, crypto.hash (as in functions/_lib/token.ts)': (token) => tokenHashes(token, (data) => hash('sha256', data, 'buffer'))
}

const REF_PREFIX = Buffer.from('burnlink.secret_ref.v1')
function tokenHashes (token: Buffer, sha256: (data: Buffer) => Buffer): void {
  sha256(Buffer.concat([REF_PREFIX, sha256(token)])).toString('hex').slice(0, 24)
}

// The same token, either way, yields the same data key.
const probe = tokens[0] as Buffer
if (!Buffer.from(hkdfSync('sha256', probe, master, info, 32)).equals(Buffer.from(hkdfSync('sha256', createSecretKey(probe), master, info, 32)))) {
  throw new Error('HKDF differs between Buffer and KeyObject input')
}

const runs = 50_000
for (const [name, fn] of Object.entries(variants)) {
  for (let i = 0; i < 10_000; i++) fn(tokens[i % tokens.length] as Buffer)
  const before = process.cpuUsage()
  for (let i = 0; i < runs; i++) fn(tokens[i % tokens.length] as Buffer)
  const used = process.cpuUsage(before)
  process.stdout.write(`${((used.user + used.system) / runs).toFixed(1).padStart(6)} µs CPU  ${name}\n`)
}
