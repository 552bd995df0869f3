// The registry: every deployable function, and the choice of which ones a process serves.
import accountHistory from './account-history.ts'
import accountTokens from './account-tokens.ts'
import answerRequest from './answer-request.ts'
import createFile from './create-file.ts'
import createRequest from './create-request.ts'
import createSecret from './create-secret.ts'
import deleteSecret from './delete-secret.ts'
import health from './health.ts'
import readFile from './read-file.ts'
import readReceipt from './read-receipt.ts'
import readRequest from './read-request.ts'
import readSecret from './read-secret.ts'
import requestInboxStatus from './request-inbox-status.ts'
import revealAnswer from './reveal-answer.ts'
import secretStatus from './secret-status.ts'
import signIn from './sign-in.ts'
import { ConfigError } from './_lib/platform/config.ts'
import type { HttpFunction } from './_lib/platform/http-function.ts'

export const ALL_FUNCTIONS: readonly HttpFunction[] = [createSecret, readSecret, deleteSecret, secretStatus, readReceipt, createFile, readFile, createRequest, readRequest, answerRequest, requestInboxStatus, revealAnswer, signIn, accountHistory, accountTokens, health]

/**
 * 'all', or a comma-separated list such as 'read-secret'. Health is always served: every
 * process needs /healthz and /readyz for its orchestrator.
 */
export function pick (selection: string): HttpFunction[] {
  if (selection.trim() === 'all') return [...ALL_FUNCTIONS]
  const names = selection.split(',').map((name) => name.trim()).filter((name) => name !== '')
  const unknown = names.filter((name) => !ALL_FUNCTIONS.some((fn) => fn.name === name))
  if (unknown.length > 0) {
    throw new ConfigError(`FUNCTIONS names unknown function(s) ${unknown.join(', ')}; known: all, ${ALL_FUNCTIONS.map((fn) => fn.name).join(', ')}`)
  }
  return ALL_FUNCTIONS.filter((fn) => fn.name === 'health' || names.includes(fn.name))
}
