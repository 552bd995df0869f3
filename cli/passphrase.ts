// The passphrase: BURNLINK_PASSPHRASE, else typed on the terminal without echo, else one line of
// standard input (when standard input is not the secret itself).
import { openSync, writeSync } from 'node:fs'
import { ReadStream } from 'node:tty'
import { CliError, EXIT } from './output.ts'

export interface PassphraseOptions {
  /** Standard input carries the secret, so it cannot carry the passphrase too. */
  stdinIsData: boolean
  /** Ask twice on a terminal (when setting one: a typo would lock the sender out). */
  confirm: boolean
}

export async function readPassphrase (options: PassphraseOptions): Promise<string> {
  const fromEnv = process.env.BURNLINK_PASSPHRASE
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const terminal = openTerminal()
  if (terminal !== undefined) {
    const [first = '', again] = await askHidden(terminal, options.confirm ? ['Passphrase: ', 'Passphrase again: '] : ['Passphrase: '])
    if (again !== undefined && again !== first) throw new CliError('the two passphrases differ', EXIT.USAGE)
    if (first === '') throw new CliError('no passphrase given', EXIT.USAGE)
    return first
  }
  if (options.stdinIsData) {
    throw new CliError('no terminal to ask for the passphrase while the secret comes from standard input: set BURNLINK_PASSPHRASE', EXIT.USAGE)
  }
  const line = await firstLine()
  if (line === '') throw new CliError('no passphrase on standard input', EXIT.USAGE)
  return line
}

/** The controlling terminal even when standard input and output are pipes; none in cron or CI. */
function openTerminal (): number | undefined {
  try {
    return openSync('/dev/tty', 'r+')
  } catch {
    return undefined
  }
}

async function askHidden (fd: number, prompts: string[]): Promise<string[]> {
  const input = new ReadStream(fd)
  input.setRawMode(true)
  const answers: string[] = []
  try {
    for (const prompt of prompts) {
      writeSync(fd, prompt)
      answers.push(await hiddenLine(input))
      writeSync(fd, '\n')
    }
  } finally {
    input.setRawMode(false)
    input.destroy()
  }
  return answers
}

/** Raw mode: nothing is echoed; Enter ends, Backspace edits, Ctrl-C cancels. */
async function hiddenLine (input: ReadStream): Promise<string> {
  return await new Promise((resolve, reject) => {
    let text = ''
    const finish = (): void => {
      input.off('data', onData)
      input.pause()
    }
    const onData = (data: Buffer): void => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish()
          resolve(text)
          return
        }
        if (char === '\u0003') {
          finish()
          reject(new CliError('cancelled', EXIT.USAGE))
          return
        }
        if (char === '\u007f' || char === '\b') text = [...text].slice(0, -1).join('')
        else if (char >= ' ') text += char
      }
    }
    input.on('data', onData)
    input.resume()
  })
}

async function firstLine (): Promise<string> {
  let text = ''
  process.stdin.setEncoding('utf8')
  for await (const chunk of process.stdin) {
    text += chunk as string
    const end = text.indexOf('\n')
    if (end >= 0) return text.slice(0, end).replace(/\r$/, '')
  }
  return text.replace(/\r?\n?$/, '')
}
