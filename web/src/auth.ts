/**
 * Signing in. One module, two identity providers, chosen by /config.json:
 *
 * - `local` (the local stack): the local IdP lists its users (GET /local/users) and issues
 *   Cognito-shaped tokens for the one picked (POST /local/token), standing in for a completed
 *   Cognito sign-in (no passwords or MFA there: README, "What the local IdP enforces").
 * - `cognito` (AWS): the hosted UI with the authorization code grant and PKCE (RFC 7636, S256);
 *   the hosted UI does the password and the TOTP MFA the user pool requires. Only the PKCE
 *   verifier and the state survive the redirect (sessionStorage, removed on return); the tokens
 *   never leave memory. Not exercised by the tests here: there is no Cognito on this machine
 *   (the PKCE values and the authorize URL are unit-tested).
 *
 * Both then keep the refresh token in memory and renew and revoke through the same code: Cognito's
 * `/oauth2/token` (grant_type=refresh_token) and `/oauth2/revoke` at `domain`, which on the local
 * stack is the local IdP's stand-in for them (`/local/oauth2/…`, same form bodies and answers).
 */
import { publicGet, publicPost } from './api';
import { type OAuthEndpoints, renewerFor } from './oauth';
import { type RefreshGrant, session } from './session';

export interface LocalAuth extends OAuthEndpoints {
  readonly kind: 'local';
}
export interface CognitoAuth extends OAuthEndpoints {
  readonly kind: 'cognito';
  /** Hosted UI origin, e.g. https://caseline-prod.auth.us-east-1.amazoncognito.com */
  readonly domain: string;
  readonly redirectUri: string;
  readonly scopes: readonly string[];
}
export type AuthConfig = LocalAuth | CognitoAuth;

export interface LocalUser {
  readonly username: string;
  readonly roles: readonly string[];
  readonly accountId: string;
  readonly description?: string;
}

export const localUsers = () => publicGet<LocalUser[]>('/local/users');

/** The refresh token and lifetime of a sign-in's answer, or none when it has no refresh token. */
const grantOf = (
  auth: OAuthEndpoints,
  refreshToken: string | undefined,
  expiresInSeconds: number,
): RefreshGrant | undefined =>
  refreshToken
    ? { refreshToken, expiresInMs: expiresInSeconds * 1000, renewer: renewerFor(auth) }
    : undefined;

export const signInLocal = async (auth: LocalAuth, username: string) => {
  const tokens = await publicPost<{ accessToken: string; refreshToken?: string; expiresIn: number }>(
    '/local/token',
    { username },
  );
  session.signIn(tokens.accessToken, grantOf(auth, tokens.refreshToken, tokens.expiresIn));
};

// ---------------------------------------------------------------- PKCE (AWS)

const base64url = (bytes: Uint8Array): string =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** A 43-character verifier from 32 random bytes (RFC 7636 §4.1). */
export const newVerifier = (): string => base64url(crypto.getRandomValues(new Uint8Array(32)));

/** S256: BASE64URL(SHA-256(ASCII(verifier))) (RFC 7636 §4.2). */
export const challengeOf = async (verifier: string): Promise<string> =>
  base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));

export const authorizeUrl = (auth: CognitoAuth, challenge: string, state: string): string => {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: auth.scopes.join(' '),
    code_challenge_method: 'S256',
    code_challenge: challenge,
    state,
  });
  return `${auth.domain}/oauth2/authorize?${q}`;
};

const PKCE_KEY = 'caseline.pkce';

/** Sends the browser to the hosted UI; it comes back to redirectUri with ?code=&state=. */
export const beginCognitoSignIn = async (auth: CognitoAuth) => {
  const verifier = newVerifier();
  const state = newVerifier();
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  location.assign(authorizeUrl(auth, await challengeOf(verifier), state));
};

/** On return from the hosted UI: the code for tokens at the token endpoint; true when signed in. */
export const completeCognitoSignIn = async (auth: CognitoAuth): Promise<boolean> => {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const saved = sessionStorage.getItem(PKCE_KEY);
  sessionStorage.removeItem(PKCE_KEY);
  if (!code || !saved) return false;
  const { verifier, state } = JSON.parse(saved) as { verifier: string; state: string };
  // The code and state leave the address bar (and the history) before anything else.
  history.replaceState(null, '', location.pathname);
  if (params.get('state') !== state)
    throw new Error('The sign-in response does not match this tab: sign in again.');
  const res = await fetch(`${auth.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: auth.clientId,
      code,
      redirect_uri: auth.redirectUri,
      code_verifier: verifier,
    }),
    credentials: 'omit',
  });
  if (!res.ok) throw new Error('Sign-in failed: try again.');
  const tokens = (await res.json()) as { access_token: string; refresh_token?: string; expires_in: number };
  session.signIn(tokens.access_token, grantOf(auth, tokens.refresh_token, tokens.expires_in));
  return true;
};
