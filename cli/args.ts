// The command line: node's own parser (strict: an unknown option is a usage error), and durations.
import { parseArgs } from 'node:util'
import { CliError, EXIT } from './output.ts'

type Options = Record<string, { type: 'string' | 'boolean', short?: string }>

export function parse<T extends Options> (argv: string[], options: T, command: string): ReturnType<typeof parseArgs<{ options: T, allowPositionals: true, strict: true, args: string[] }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true })
  } catch (err) {
    // node's first sentence says it ("Unknown option '--x'"); the rest is advice about '--'.
    const first = (err as Error).message.split(/\.(?:\s|$)/)[0] ?? 'bad arguments'
    throw new CliError(`${first} (see burnlink ${command} --help)`, EXIT.USAGE)
  }
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400 }

/** "3600", "90s", "30m", "1h", "7d", "2w" → seconds. */
export function parseTtl (text: string): number {
  const match = /^(\d+)([smhdw]?)$/.exec(text.trim())
  const seconds = match === null ? NaN : Number(match[1]) * (UNITS[match[2] || 's'] ?? NaN)
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new CliError(`--ttl ${text}: give seconds (3600) or a number with s, m, h, d or w (1h, 7d)`, EXIT.USAGE)
  return seconds
}

export function usageError (message: string, command: string): CliError {
  return new CliError(`${message} (see burnlink ${command} --help)`, EXIT.USAGE)
}
