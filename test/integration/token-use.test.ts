/**
 * Only access tokens open the API. Cognito's sign-in returns an id token beside the access token,
 * signed by the same key for the same client; the API Gateway JWT authorizer would take it unless
 * the route requires a scope, which only access tokens carry (API_SCOPE, lib/functions.ts). The
 * local stack issues both, as Cognito does, and its authorizer must refuse the id token too.
 */
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { API_SCOPE } from '../../lib/functions';
import { Api } from '../support/api';

const api = new Api(inject('apiUrl'));

const signIn = async (username: string) => {
  const res = await fetch(`${api.baseUrl}/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string; idToken: string };
};

describe('token_use: the API takes access tokens only', () => {
  it('refuses the id token of a valid sign-in (401) on lab, designer and operator routes, and takes its access token', async () => {
    for (const [username, path] of [
      ['lab.acme', '/orders'],
      ['designer.priya', '/assignments'],
      ['operator.omar', '/designers'],
    ] as const) {
      // Prepare: one sign-in, both tokens.
      const { accessToken, idToken } = await signIn(username);
      // The id token is genuine: signed by the published key, unexpired, for the same client and user.
      const jwks = createLocalJWKSet(
        (await (await fetch(`${api.baseUrl}/.well-known/jwks.json`)).json()) as { keys: [] },
      );
      const { payload } = await jwtVerify(idToken, jwks);
      expect(payload).toMatchObject({ token_use: 'id', sub: decodeJwt(accessToken).sub });
      expect(payload).not.toHaveProperty('scope');
      expect(String(decodeJwt(accessToken).scope).split(' ')).toContain(API_SCOPE);

      // Act
      const withId = await api.call('GET', path, { token: idToken });
      const withAccess = await api.call('GET', path, { token: accessToken });

      // Assess
      expect(withId.status, `${username} ${path} with an id token`).toBe(401);
      expect(withAccess.status, `${username} ${path} with its access token`).toBe(200);
    }
  });
});
