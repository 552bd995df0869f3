// Micro-benchmark behind a profile finding: Node spends more CPU recognising Buffer keys than
// encrypting. Compares the server's seal (HKDF + AES-256-GCM of 1 KiB) with Buffer keys against
// the same with KeyObjects (crypto.createSecretKey). Run: node scripts/bench/crypto-keys.ts
import { createCipheriv, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto'

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
  'Buffer keys (as in functions/_lib/crypto.ts)': (token) => encrypt(Buffer.from(hkdfSync('sha256', token, master, info, 32))),
  'KeyObjects for the HKDF input and the AES key': (token) => encrypt(createSecretKey(Buffer.from(hkdfSync('sha256', createSecretKey(token), master, info, 32)))),
  'AES-256-GCM alone, Buffer key (no derivation)': () => encrypt(master),
  'AES-256-GCM alone, KeyObject (no derivation)': () => encrypt(createSecretKey(master))
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
