// OpenID Connect sign-in with openid-client: authorization code flow with PKCE, state and nonce,
// and the rules an identity must meet (verified email, allowed domain, required group).
import * as client from 'openid-client'
import type { Oidc } from '../platform/config.ts'
import { SignInRefused } from '../platform/errors.ts'

/** What the browser keeps between leaving for the provider and coming back (an HttpOnly cookie). */
export interface FlowState {
  state: string
  nonce: string
  verifier: string
}

export interface Identity {
  issuer: string
  subject: string
  email: string
}

export interface SignIn {
  start: (redirectUri: string) => Promise<{ url: URL, flow: FlowState }>
  finish: (currentUrl: URL, flow: FlowState) => Promise<Identity>
}

export function oidcSignIn (oidc: Oidc): SignIn {
  // Discovered at the first sign-in, not at start-up: the server starts when the provider is
  // down, and a failed discovery is tried again at the next sign-in.
  let discovered: Promise<client.Configuration> | undefined
  const configuration = async (): Promise<client.Configuration> => {
    discovered ??= client.discovery(new URL(oidc.issuer), oidc.clientId, oidc.clientSecret, undefined,
      // An http:// issuer is only ever a test provider on this machine.
      oidc.issuer.startsWith('http://') ? { execute: [client.allowInsecureRequests] } : undefined)
    return await discovered.catch((err: unknown) => {
      discovered = undefined
      throw err
    })
  }
  return {
    async start (redirectUri) {
      const config = await configuration()
      const flow = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier() }
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(flow.verifier),
        code_challenge_method: 'S256',
        state: flow.state,
        nonce: flow.nonce
      })
      return { url, flow }
    },
    async finish (currentUrl, flow) {
      const config = await configuration()
      const tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true
      })
      const claims = tokens.claims()
      if (claims === undefined) throw new SignInRefused('The provider sent no ID token')
      // Providers put email and groups in the ID token or only in userinfo: read both.
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
      const all: Record<string, unknown> = { ...userinfo, ...claims }
      return { issuer: claims.iss, subject: claims.sub, email: admit(oidc, all) }
    }
  }
}

/** The email of an identity that may sign in; a SignInRefused naming the rule otherwise. */
export function admit (oidc: Oidc, claims: Record<string, unknown>): string {
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined
  if (email === undefined) throw new SignInRefused('The provider did not say who you are by email (the email scope or claim is missing)')
  // An unverified email is whatever the user typed: trusting it would let anyone claim a domain.
  if (claims.email_verified !== true) throw new SignInRefused('Your email address is not verified at the provider')
  const domain = email.slice(email.lastIndexOf('@') + 1)
  if (oidc.allowedEmailDomains.length > 0 && !oidc.allowedEmailDomains.includes(domain)) {
    throw new SignInRefused(`Accounts of ${domain} may not sign in here`)
  }
  if (oidc.requiredGroup !== undefined) {
    const groups = claims[oidc.groupsClaim]
    if (!Array.isArray(groups) || !groups.includes(oidc.requiredGroup)) throw new SignInRefused('Your account is not in the group allowed to sign in here')
  }
  return email
}
