/**
 * The OAuth 2.0 token endpoints the console renews and revokes its session at: Cognito's
 * `/oauth2/token` (grant_type=refresh_token) and `/oauth2/revoke` on AWS, the local IdP's stand-in
 * for them (`/local/oauth2/…`, the same form bodies and answers) on the local stack. One code path
 * for both; the integration tests run it against the local one (test/integration/token-refresh.test.ts).
 */
import { RefreshRefusedError, type Renewer } from './session';

/** Where the token endpoints are, and the public client the console signs in as. */
export interface OAuthEndpoints {
  /** `${domain}/oauth2/token` and `${domain}/oauth2/revoke`. */
  readonly domain: string;
  readonly clientId: string;
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const postForm = (url: string, fields: Record<string, string>, keepalive = false) =>
  fetch(url, {
    method: 'POST',
    headers: FORM,
    body: new URLSearchParams(fields),
    credentials: 'omit',
    // A revoke sent as the page goes away (pagehide) must outlive it.
    keepalive,
  });

/** The token endpoints of `auth` (a public client: client_id in the body, no secret). */
export const renewerFor = (auth: OAuthEndpoints): Renewer => ({
  refresh: async (refreshToken) => {
    const res = await postForm(`${auth.domain}/oauth2/token`, {
      grant_type: 'refresh_token',
      client_id: auth.clientId,
      refresh_token: refreshToken,
    });
    // 400 is the endpoint's refusal (invalid_grant: expired, revoked, user gone); it will not change.
    if (res.status === 400 || res.status === 401) throw new RefreshRefusedError('The session has ended.');
    if (!res.ok) throw new Error(`The token endpoint answered HTTP ${res.status}.`);
    const tokens = (await res.json()) as { access_token: string; expires_in: number };
    return { accessToken: tokens.access_token, expiresInMs: tokens.expires_in * 1000 };
  },
  revoke: async (refreshToken) => {
    await postForm(`${auth.domain}/oauth2/revoke`, { token: refreshToken, client_id: auth.clientId }, true);
  },
});
