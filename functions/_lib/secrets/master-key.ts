// Loads the master keys from configuration, or generates one on first start and keeps it in DATA_DIR.
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, type Config } from '../platform/config.ts'
import { keyring, masterKey, type Keyring } from './crypto.ts'

export const GENERATED_KEY_FILE = 'master.key'

export interface LoadedKeys {
  keys: Keyring
  /** Set when the key was generated or read from DATA_DIR: the entry point logs it as a warning. */
  warning?: string
}

export function loadKeys (config: Config): LoadedKeys {
  const previous = config.encryption.previousKeys.map((k, i) => masterKey(decodeKey(k, `ENCRYPTION_KEYS_PREVIOUS[${i}]`)))
  if (config.encryption.key !== undefined) {
    return { keys: keyring(masterKey(decodeKey(config.encryption.key, 'ENCRYPTION_KEY')), previous) }
  }
  const path = join(config.dataDir, GENERATED_KEY_FILE)
  let text: string
  let warning: string
  try {
    text = readFileSync(path, 'utf8').trim()
    warning = `ENCRYPTION_KEY is not set: using the master key kept in ${path}; set ENCRYPTION_KEY for production`
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new ConfigError(`the master key in ${path} cannot be read (${code ?? 'error'}): fix its permissions or set ENCRYPTION_KEY`)
    text = randomBytes(32).toString('base64')
    // 'wx' fails if another instance created the file meanwhile: then read theirs.
    try {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 })
      writeFileSync(path, text + '\n', { mode: 0o600, flag: 'wx' })
    } catch (writeErr) {
      const code = (writeErr as NodeJS.ErrnoException).code
      if (code !== 'EEXIST') {
        throw new ConfigError(`ENCRYPTION_KEY is not set and no master key can be kept in DATA_DIR=${config.dataDir} (${code ?? 'error'}): set ENCRYPTION_KEY or make DATA_DIR writable`)
      }
      text = readFileSync(path, 'utf8').trim()
    }
    warning = `ENCRYPTION_KEY is not set: generated a master key in ${path} (mode 0600); back it up, or set ENCRYPTION_KEY for production`
  }
  return { keys: keyring(masterKey(decodeKey(text, path)), previous), warning }
}

/** Accepts 64 hex characters or base64/base64url of exactly 32 bytes. */
export function decodeKey (text: string, name: string): Buffer {
  const value = text.trim()
  const bytes = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(value) ? Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64') : undefined
  if (bytes?.length !== 32) {
    throw new ConfigError(`${name} is not a 32-byte key: give 64 hex characters or 44 base64 characters (openssl rand -base64 32)`)
  }
  return bytes
}
