/**
 * The local authorizer is never more lenient than API Gateway's JWT authorizer with the route
 * scope Caseline configures: a token signed by the right key for the right client is still
 * refused without the access-token scope, and an id token is refused whatever it carries.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { API_SCOPE } from '../../lib/functions';
import { UserDirectory } from '../../local/cognito';
import { CLIENT_ID, createIdp, TokenGrantError } from '../../local/idp';
import { seedUser } from '../../local/seed';

const dir = mkdtempSync(join(tmpdir(), 'caseline-idp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ISSUER = 'http://local/local-idp';
const clock = { now: () => new Date('2026-12-01T10:00:00Z') };

/** A token signed with the local IdP's own key, with the claims given. */
const forge = async (keyFile: string, claims: Record<string, unknown>) => {
  const { privateJwk } = JSON.parse(readFileSync(keyFile, 'utf8')) as { privateJwk: JWK };
  const iat = Math.floor(clock.now().getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'caseline-local-1' })
    .setSubject('u-lab-acme')
    .setIssuer(ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(await importJWK(privateJwk, 'RS256'));
};

describe('local IdP verification', () => {
  it('takes its access token and refuses its id token', async () => {
    const idp = await createIdp({ issuer: ISSUER, clock, keyFile: join(dir, 'a.json') });
    const user = seedUser('lab.acme');
    if (!user) throw new Error('no seed user');
    const { accessToken, idToken } = await idp.issue(user);
    expect(await idp.verify(accessToken)).toMatchObject({ token_use: 'access', scope: API_SCOPE });
    expect(await idp.verify(idToken)).toBeUndefined();
  });

  it.each([
    ['an access token without the scope', { token_use: 'access', client_id: CLIENT_ID }],
    ['an access token with another scope', { token_use: 'access', client_id: CLIENT_ID, scope: 'openid' }],
    ['an id token that claims the scope', { token_use: 'id', aud: CLIENT_ID, scope: API_SCOPE }],
    ['an access token for another client', { token_use: 'access', client_id: 'other', scope: API_SCOPE }],
  ])('refuses %s, though signed with its key', async (_, claims) => {
    const keyFile = join(dir, 'b.json');
    const idp = await createIdp({ issuer: ISSUER, clock, keyFile });
    // The same signing path with the right claims is accepted: only the claim under test differs.
    const good = await forge(keyFile, { token_use: 'access', client_id: CLIENT_ID, scope: API_SCOPE });
    expect(await idp.verify(good)).toBeDefined();
    expect(await idp.verify(await forge(keyFile, claims))).toBeUndefined();
  });
});

describe('local IdP refresh tokens', () => {
  it('survive a restart with the rest of the user pool, stored as digests only', async () => {
    // Prepare: a sign-in on one IdP and pool, persisted in users.json.
    const usersFile = join(dir, 'users.json');
    const keyFile = join(dir, 'restart.json');
    const user = seedUser('lab.acme');
    if (!user) throw new Error('no seed user');
    const before = await createIdp({
      issuer: ISSUER,
      clock,
      keyFile,
      directory: new UserDirectory('pool', clock, usersFile),
    });
    const { refreshToken, accessToken } = await before.issue(user);
    if (!refreshToken) throw new Error('no refresh token');
    // Act: a new IdP and pool read back from disk, as `npm start` does after a restart.
    const after = await createIdp({
      issuer: ISSUER,
      clock,
      keyFile,
      directory: new UserDirectory('pool', clock, usersFile),
    });
    const renewed = await after.refresh(refreshToken, CLIENT_ID);
    // Assess
    expect(await after.verify(renewed.accessToken)).toMatchObject({
      origin_jti: (await before.verify(accessToken))?.origin_jti,
    });
    expect(readFileSync(usersFile, 'utf8')).not.toContain(refreshToken);
    await expect(after.refresh(refreshToken, 'other')).rejects.toThrow(TokenGrantError);
  });

  it('are not issued without a user pool to redeem them against', async () => {
    const idp = await createIdp({ issuer: ISSUER, clock, keyFile: join(dir, 'a.json') });
    const user = seedUser('lab.acme');
    if (!user) throw new Error('no seed user');
    expect(await idp.issue(user)).not.toHaveProperty('refreshToken');
    await expect(idp.refresh('anything', CLIENT_ID)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
