// A create's notify_url: checked now (a 400 says why), and its signing secret made and sealed.
import { NotifyUrlRefused } from '../platform/errors.ts'
import type { Keyring } from '../secrets/crypto.ts'
import { checkDestination, DestinationRefused, type DestinationPolicy } from './destination.ts'
import { newNotifySecret, sealNotifySecret } from './signing.ts'

/** What the create statement stores beside the secret: the URL and the sealed signing secret. */
export interface NewNotifyTarget {
  readonly url: string
  readonly signingKey: Buffer
}

export interface Subscription {
  readonly target: NewNotifyTarget | null
  /** Returned once in the create response, never again. */
  readonly notifySecret: string | undefined
}

export const NOTIFY_URL_DESCRIPTION = 'Told of this secret\'s events (revealed, deleted, expired; for a request: answered) by a signed POST (Standard Webhooks). ' +
  'https only, and not to a loopback, private or other internal address, unless the operator allows it. The response then holds notify_secret.'

/** The create response's notify_secret field, when there is one. */
export function notifySecret (subscription: Subscription): { notify_secret?: string } {
  return subscription.notifySecret === undefined ? {} : { notify_secret: subscription.notifySecret }
}

export async function subscribe (url: string | undefined, ref: string, policy: DestinationPolicy, keys: Keyring): Promise<Subscription> {
  if (url === undefined) return { target: null, notifySecret: undefined }
  try {
    await checkDestination(url, policy)
  } catch (err) {
    if (err instanceof DestinationRefused) throw new NotifyUrlRefused(err.message)
    throw err
  }
  const notifySecret = newNotifySecret()
  return { target: { url, signingKey: sealNotifySecret(notifySecret, ref, keys) }, notifySecret }
}
