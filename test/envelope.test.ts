// The file envelopes, shared by the web app and the CLI, under Node's WebCrypto: zkf1 (web/src/zkfile.ts) and a request's file answer (web/src/zkrequest.ts).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { CHUNK_BYTES, EnvelopeError, openFile, sealedFileLength, sealFile, type FileInfo } from '../web/src/zkfile.ts'
import { newRequestKeys, openFileWith, sealedAnswerFileLength, sealFileTo } from '../web/src/zkrequest.ts'

const INFO: FileInfo = { name: 'отчёт 2026 <final>.pdf', type: 'application/pdf' }
const TAG = 16

async function seal (content: Uint8Array, info: FileInfo = INFO): Promise<{ key: string, envelope: Buffer, length: number }> {
  const sealed = await sealFile(info, { size: content.length, read: async (start, end) => content.subarray(start, end) })
  const parts: Uint8Array[] = []
  for await (const part of sealed.parts) parts.push(part)
  return { key: sealed.key, envelope: Buffer.concat(parts), length: sealed.length }
}

/** The envelope as a response body would bring it: in pieces of sizes that ignore the chunking. */
function stream (bytes: Uint8Array, piece = 7777): ReadableStream<Uint8Array> {
  let offset = 0
  return new ReadableStream({
    pull (controller) {
      if (offset >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(offset, offset + piece))
      offset += piece
    }
  })
}

async function open (bytes: Uint8Array, key: string): Promise<{ meta: FileInfo & { size: number }, content: Buffer }> {
  const opened = await openFile(stream(bytes), key)
  const chunks: Uint8Array[] = []
  for await (const chunk of opened.chunks) chunks.push(chunk)
  return { meta: opened.meta, content: Buffer.concat(chunks) }
}

/** Where chunk i's sealed bytes start in an envelope of a file with this many chunks. */
function chunkOffset (envelope: Buffer, i: number): number {
  return 8 + envelope.readUInt32BE(4) + i * (CHUNK_BYTES + TAG)
}

test('sealFile and openFile round-trip files of every size around the chunk boundaries, with name, type and note', async () => {
  for (const size of [0, 1, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 12_345]) {
    const content = randomBytes(size)
    const info = size === 1 ? { ...INFO, text: 'the note 🔑' } : INFO
    const sealed = await seal(content, info)
    assert.equal(sealed.envelope.length, sealed.length, `size ${size}: the announced length`)
    assert.equal(sealed.length, sealedFileLength(info, size), `size ${size}: the length known before sealing`)
    assert.match(sealed.key, /^[A-Za-z0-9_-]{43}$/)
    assert.deepEqual(sealed.envelope.subarray(0, 4), Buffer.from('zkf1'))
    const opened = await open(sealed.envelope, sealed.key)
    assert.deepEqual(opened.meta, { ...info, size })
    assert.ok(opened.content.equals(content), `size ${size}: the content`)
  }
})

test('the envelope holds neither the name, the type, the note nor the content in the clear, and pads the name', async () => {
  const content = Buffer.from('plain content that must not show '.repeat(100))
  const { envelope } = await seal(content, { name: 'secret-plans.txt', type: 'text/plain', text: 'visible note?' })
  for (const clear of ['secret-plans', 'text/plain', 'visible note', 'plain content']) assert.ok(!envelope.includes(clear), clear)
  const short = await seal(content, { name: 'a', type: '' })
  const longer = await seal(content, { name: 'a'.repeat(150), type: '' })
  assert.equal(short.envelope.length, longer.envelope.length, 'names of similar length give the same envelope length')
})

test('every file gets its own key, and the same content never gives the same envelope', async () => {
  const content = randomBytes(1000)
  const a = await seal(content)
  const b = await seal(content)
  assert.notEqual(a.key, b.key)
  assert.ok(!a.envelope.subarray(8).equals(b.envelope.subarray(8)))
})

test('a wrong key fails to open the header, before any content is handed out', async () => {
  const { envelope } = await seal(randomBytes(100))
  const other = await seal(randomBytes(1))
  await assert.rejects(openFile(stream(envelope), other.key), EnvelopeError)
  await assert.rejects(openFile(stream(envelope), 'not-a-key'), EnvelopeError)
})

test('a truncated envelope is detected: cut in the header, at a chunk boundary, inside a chunk, or missing its last chunk', async () => {
  const content = randomBytes(3 * CHUNK_BYTES + 500)
  const { envelope, key } = await seal(content)
  const cuts = [3, 8 + 10, chunkOffset(envelope, 1), chunkOffset(envelope, 2) + 100, chunkOffset(envelope, 3), envelope.length - 1]
  for (const cut of cuts) {
    await assert.rejects(open(envelope.subarray(0, cut), key), EnvelopeError, `cut at ${cut}`)
  }
})

test('the chunks of a file whose size is a multiple of the chunk cannot be cut at the last boundary unnoticed', async () => {
  const { envelope, key } = await seal(randomBytes(2 * CHUNK_BYTES))
  await assert.rejects(open(envelope.subarray(0, chunkOffset(envelope, 1)), key), EnvelopeError)
})

test('reordered, duplicated, altered or extra chunks are detected', async () => {
  const content = randomBytes(3 * CHUNK_BYTES)
  const { envelope, key } = await seal(content)
  const at = (i: number): Buffer => envelope.subarray(chunkOffset(envelope, i), chunkOffset(envelope, i + 1))
  const head = envelope.subarray(0, chunkOffset(envelope, 0))
  const variants: Record<string, Buffer> = {
    'chunks 0 and 1 swapped': Buffer.concat([head, at(1), at(0), at(2)]),
    'chunk 0 repeated in place of 1': Buffer.concat([head, at(0), at(0), at(2)]),
    'a byte appended': Buffer.concat([envelope, Buffer.from([0])]),
    'a chunk appended': Buffer.concat([envelope, at(2)])
  }
  for (const index of [0, 5, 8, chunkOffset(envelope, 0) - 1, chunkOffset(envelope, 1) + 3, envelope.length - 1]) {
    const flipped = Buffer.from(envelope)
    flipped[index] = (flipped[index] ?? 0) ^ 1
    variants[`byte ${index} flipped`] = flipped
  }
  for (const [what, bytes] of Object.entries(variants)) await assert.rejects(open(bytes, key), EnvelopeError, what)
})

test('a header from another envelope cannot be spliced onto these chunks', async () => {
  const content = randomBytes(CHUNK_BYTES + 10)
  const a = await seal(content)
  const b = await seal(content)
  const spliced = Buffer.concat([b.envelope.subarray(0, chunkOffset(b.envelope, 0)), a.envelope.subarray(chunkOffset(a.envelope, 0))])
  await assert.rejects(open(spliced, a.key), EnvelopeError)
  await assert.rejects(open(spliced, b.key), EnvelopeError)
})

test('the envelope is standard AES-256-GCM with counter nonces, so any WebCrypto can open it', async () => {
  const content = Buffer.from('interoperable bytes')
  const { envelope, key } = await seal(content, { name: 'a.txt', type: 'text/plain' })
  const cryptoKey = await crypto.subtle.importKey('raw', Buffer.from(key, 'base64url'), 'AES-GCM', false, ['decrypt'])
  const iv = (counter: number): Uint8Array<ArrayBuffer> => { const bytes = new Uint8Array(12); bytes[11] = counter; return bytes }
  const headerLength = envelope.readUInt32BE(4)
  const header = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv(0), additionalData: Buffer.from('zkf1 header') }, cryptoKey, envelope.subarray(8, 8 + headerLength))
  assert.deepEqual(JSON.parse(Buffer.from(header).toString('utf8')), { name: 'a.txt', type: 'text/plain', size: content.length, chunk: CHUNK_BYTES })
  const chunk = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv(1), additionalData: Buffer.from('zkf1 last chunk') }, cryptoKey, envelope.subarray(8 + headerLength))
  assert.ok(Buffer.from(chunk).equals(content))
})

// A request's file answer (web/src/zkrequest.ts): zkf1 under a key derived from ECDH with the
// requester's public key, behind "zkr1" and the holder's one-off public key.
async function sealAnswer (publicKey: string, content: Uint8Array, info: FileInfo = INFO): Promise<{ envelope: Buffer, length: number }> {
  const sealed = await sealFileTo(publicKey, info, { size: content.length, read: async (start, end) => content.subarray(start, end) })
  const parts: Uint8Array[] = []
  for await (const part of sealed.parts) parts.push(part)
  return { envelope: Buffer.concat(parts), length: sealed.length }
}

async function openAnswer (privateKey: string, bytes: Uint8Array): Promise<{ meta: FileInfo & { size: number }, content: Buffer }> {
  const opened = await openFileWith(privateKey, stream(bytes))
  const chunks: Uint8Array[] = []
  for await (const chunk of opened.chunks) chunks.push(chunk)
  return { meta: opened.meta, content: Buffer.concat(chunks) }
}

test('a file answer opens with the inbox link\'s private key only, and holds nothing in the clear', async () => {
  const keys = await newRequestKeys()
  const content = randomBytes(2 * CHUNK_BYTES + 99)
  const info = { ...INFO, text: 'as you asked' }
  const sealed = await sealAnswer(keys.publicKey, content, info)
  assert.equal(sealed.envelope.length, sealed.length)
  assert.equal(sealed.length, sealedAnswerFileLength(info, content.length))
  assert.deepEqual(sealed.envelope.subarray(0, 4), Buffer.from('zkr1'))
  for (const clear of ['отчёт', 'application/pdf', 'as you asked']) assert.ok(!sealed.envelope.includes(clear), clear)
  const opened = await openAnswer(keys.privateKey, sealed.envelope)
  assert.deepEqual(opened.meta, { ...info, size: content.length })
  assert.ok(opened.content.equals(content))

  // Another requester's key, a zkf1 file without the prefix, a swapped holder key, a cut stream: refused.
  const other = await newRequestKeys()
  await assert.rejects(openAnswer(other.privateKey, sealed.envelope), EnvelopeError)
  await assert.rejects(openAnswer(keys.privateKey, (await seal(content)).envelope), EnvelopeError)
  const swapped = Buffer.from(sealed.envelope)
  Buffer.from(other.publicKey, 'base64url').copy(swapped, 4)
  await assert.rejects(openAnswer(keys.privateKey, swapped), EnvelopeError)
  await assert.rejects(openAnswer(keys.privateKey, sealed.envelope.subarray(0, sealed.envelope.length - 1)), EnvelopeError)
})

test('every file answer gets a key of its own: the same file twice gives different envelopes', async () => {
  const keys = await newRequestKeys()
  const content = Buffer.from('same content')
  const a = await sealAnswer(keys.publicKey, content)
  const b = await sealAnswer(keys.publicKey, content)
  assert.ok(!a.envelope.subarray(4, 69).equals(b.envelope.subarray(4, 69)), 'one-off holder keys')
  assert.ok(!a.envelope.subarray(69).equals(b.envelope.subarray(69)))
})
