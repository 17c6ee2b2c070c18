/** The Cognito hosted-UI sign-in's PKCE values (RFC 7636) and authorize URL; the redirect itself needs Cognito. */
import { describe, expect, it } from 'vitest';
import { authorizeUrl, challengeOf, newVerifier } from '../../web/src/auth';

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await challengeOf('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes 43-character verifiers from the unreserved alphabet, a new one each time', () => {
    const a = newVerifier();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newVerifier()).not.toBe(a);
  });

  it('asks the hosted UI for a code with the S256 challenge, the state and the API scope', () => {
    const url = new URL(
      authorizeUrl(
        {
          kind: 'cognito',
          domain: 'https://caseline.auth.us-east-1.amazoncognito.com',
          clientId: 'client-1',
          redirectUri: 'https://console.example/',
          scopes: ['openid', 'caseline/api'],
        },
        'CHALLENGE',
        'STATE',
      ),
    );
    expect(url.pathname).toBe('/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client-1',
      redirect_uri: 'https://console.example/',
      scope: 'openid caseline/api',
      code_challenge_method: 'S256',
      code_challenge: 'CHALLENGE',
      state: 'STATE',
    });
  });
});
