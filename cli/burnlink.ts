#!/usr/bin/env node
// burnlink — the command-line client: one-time secrets and files, encrypted on this computer.
import { get, GET_USAGE } from './get.ts'
import { CliError, EXIT, say } from './output.ts'
import { REQUEST_USAGE, requestCommand, respond, RESPOND_USAGE } from './request.ts'
import { send, SEND_USAGE } from './send.ts'

const USAGE = `Usage: burnlink <command> [options]

Commands:
  send [FILE]     encrypt FILE or standard input and print a one-time link
  get LINK        reveal a link once: text to standard output, a file to disk
  request         ask someone for a secret: prints a request link and your inbox link
  respond LINK [FILE]  answer a request link with FILE or standard input, once
  help [COMMAND]  show the help of a command

Run "burnlink <command> --help" for its options. The server comes from --server or BURNLINK_URL
(for get, from the link itself). Exit codes: 0 done, 1 failed (network, server, local files),
2 usage, 3 not available (read, deleted, expired), 4 passphrase, 5 too large, 6 could not be
decrypted, 7 output file exists.`

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  switch (command) {
    case 'send': return await send(rest)
    case 'get': return await get(rest)
    case 'request': return await requestCommand(rest)
    case 'respond': return await respond(rest)
    case 'help': case '--help': case '-h': case undefined: {
      const topic = rest[0]
      process.stdout.write(`${({ send: SEND_USAGE, get: GET_USAGE, request: REQUEST_USAGE, respond: RESPOND_USAGE } as Record<string, string>)[topic ?? ''] ?? USAGE}\n`)
      return command === undefined ? EXIT.USAGE : EXIT.OK
    }
    default:
      throw new CliError(`unknown command ${JSON.stringify(command)} (see burnlink --help)`, EXIT.USAGE)
  }
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (err) {
  if (err instanceof CliError) {
    say(err.message)
    process.exitCode = err.exitCode
  } else {
    // A bug, not a user mistake: still one line, the stack only when asked for.
    say(`unexpected error: ${err instanceof Error ? err.message : String(err)} (BURNLINK_DEBUG=1 shows more)`)
    if (process.env.BURNLINK_DEBUG === '1') console.error(err)
    process.exitCode = EXIT.FAILED
  }
}
