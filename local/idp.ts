/**
 * The local identity provider: issues tokens shaped like Cognito's for the seeded users (an
 * access token after our pre-token trigger, and an id token, as InitiateAuth returns both), and
 * verifies them the way the API Gateway JWT authorizer does on AWS: signature, issuer, expiry,
 * client, and the route scope API_SCOPE, which only access tokens carry. An id token is refused
 * (on AWS by the missing scope; here by that and by token_use). Tokens live 15 minutes, on the
 * local stack's clock.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import type { Clock } from '../lambdas/shared/clock';
import { API_SCOPE } from '../lib/functions';
import type { SeedUser } from './seed';

export const TOKEN_TTL_SECONDS = 15 * 60;
export const CLIENT_ID = 'caseline-local-client';

export interface Idp {
  readonly issuer: string;
  readonly jwks: { keys: JWK[] };
  issue(
    user: SeedUser,
  ): Promise<{ accessToken: string; idToken: string; expiresIn: number; tokenType: 'Bearer' }>;
  /** Claims as the JWT authorizer passes them, or undefined when the token must be refused. */
  verify(token: string): Promise<JWTPayload | undefined>;
}

const KID = 'caseline-local-1';

const loadKeys = async (file?: string) => {
  if (file && existsSync(file)) {
    const { privateJwk, publicJwk } = JSON.parse(readFileSync(file, 'utf8')) as {
      privateJwk: JWK;
      publicJwk: JWK;
    };
    return {
      privateKey: await importJWK(privateJwk, 'RS256'),
      publicKey: await importJWK(publicJwk, 'RS256'),
      publicJwk,
    };
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ privateJwk: await exportJWK(privateKey), publicJwk }), {
      mode: 0o600,
    });
  }
  return { privateKey, publicKey, publicJwk };
};

export const createIdp = async (opts: { issuer: string; clock: Clock; keyFile?: string }): Promise<Idp> => {
  const { privateKey, publicKey, publicJwk } = await loadKeys(opts.keyFile);
  const nowSeconds = () => Math.floor(opts.clock.now().getTime() / 1000);
  return {
    issuer: opts.issuer,
    jwks: { keys: [publicJwk] },
    issue: async (user) => {
      const iat = nowSeconds();
      const accessToken = await new SignJWT({
        'cognito:groups': [...user.roles],
        account_id: user.accountId,
        username: user.username,
        client_id: CLIENT_ID,
        token_use: 'access',
        scope: API_SCOPE,
        auth_time: iat,
      })
        .setProtectedHeader({ alg: 'RS256', kid: KID })
        .setSubject(user.sub)
        .setIssuer(opts.issuer)
        .setIssuedAt(iat)
        .setExpirationTime(iat + TOKEN_TTL_SECONDS)
        .setJti(randomUUID())
        .sign(privateKey);
      // Cognito's id token: the user's attributes for the client, audience = the client, no scope.
      const idToken = await new SignJWT({
        'cognito:groups': [...user.roles],
        'cognito:username': user.username,
        'custom:account_id': user.accountId,
        token_use: 'id',
        auth_time: iat,
      })
        .setProtectedHeader({ alg: 'RS256', kid: KID })
        .setSubject(user.sub)
        .setIssuer(opts.issuer)
        .setAudience(CLIENT_ID)
        .setIssuedAt(iat)
        .setExpirationTime(iat + TOKEN_TTL_SECONDS)
        .setJti(randomUUID())
        .sign(privateKey);
      return { accessToken, idToken, expiresIn: TOKEN_TTL_SECONDS, tokenType: 'Bearer' };
    },
    verify: async (token) => {
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          issuer: opts.issuer,
          algorithms: ['RS256'],
          // Expiry is judged on the local clock, so advancing it expires tokens like real time would.
          currentDate: opts.clock.now(),
        });
        // What AWS's JWT authorizer checks (aud or client_id; the route's scope), plus token_use.
        const clientMatches = payload.client_id === CLIENT_ID || payload.aud === CLIENT_ID;
        const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
        return clientMatches && scopes.includes(API_SCOPE) && payload.token_use === 'access'
          ? payload
          : undefined;
      } catch {
        return undefined;
      }
    },
  };
};
