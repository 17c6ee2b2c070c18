/**
 * The local IdP's refresh grant and revocation, over the wire, shaped like Cognito's /oauth2/token
 * and /oauth2/revoke (form bodies, a public client named by client_id, OAuth error codes) and as
 * strict: a refresh token is opaque, bound to its client and user, lives REFRESH_TOKEN_MINUTES on
 * the stack's clock, and dies with its session (global sign-out, revoke) or its user. This file
 * starts a stack of its own (vitest runs each file in its own process) because it moves the clock.
 */
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_POOL } from '../../common/definitions';
import { REFRESH_TOKEN_MINUTES } from '../../common/tokens';
import { CLIENT_ID } from '../../local/idp';
import { S3_CREDENTIALS } from '../../local/s3';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { renewerFor } from '../../web/src/oauth';
import { RefreshRefusedError } from '../../web/src/session';
import { Api } from '../support/api';

let stack: LocalStack;
let api: Api;
let cognito: CognitoIdentityProviderClient;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
  api = new Api(stack.apiUrl);
  cognito = new CognitoIdentityProviderClient({
    endpoint: stack.endpoints.cognito,
    region: 'us-east-1',
    credentials: { ...S3_CREDENTIALS },
  });
});

afterAll(async () => {
  cognito?.destroy();
  await stack?.stop();
});

interface SignedIn {
  accessToken: string;
  idToken: string;
  refreshToken: string;
}

const signIn = async (username: string): Promise<SignedIn> => {
  const res = await fetch(`${api.baseUrl}/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as SignedIn;
};

const form = (path: string, fields: Record<string, string>) =>
  fetch(`${api.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });

const refresh = async (refreshToken: string, clientId = CLIENT_ID) => {
  const res = await form('/local/oauth2/token', {
    grant_type: 'refresh_token',
    client_id: clientId,
    refresh_token: refreshToken,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const revoke = async (token: string) => {
  const res = await form('/local/oauth2/revoke', { token, client_id: CLIENT_ID });
  return { status: res.status, text: await res.text() };
};

const ordersStatus = async (token: string) => (await api.call('GET', '/orders', { token })).status;

const advance = (minutes: number) =>
  api.call('POST', '/local/clock/advance', { as: 'operator.omar', body: { minutes } });

describe('the local token endpoint: the refresh grant', () => {
  it('gives a sign-in an opaque refresh token that renews the access token in the same session, without a new refresh token', async () => {
    // Prepare
    const first = await signIn('lab.acme');
    expect(first.refreshToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(first.refreshToken.split('.')).toHaveLength(1);
    // Act
    const renewed = await refresh(first.refreshToken);
    // Assess: Cognito's shape, the same session (origin_jti, auth_time), a new token, and it opens the API.
    expect(renewed.status).toBe(200);
    expect(renewed.body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(renewed.body).not.toHaveProperty('refresh_token');
    const access = String(renewed.body.access_token);
    const before = decodeJwt(first.accessToken);
    const after = decodeJwt(access);
    expect(after).toMatchObject({
      origin_jti: before.origin_jti,
      auth_time: before.auth_time,
      sub: before.sub,
      token_use: 'access',
      client_id: CLIENT_ID,
    });
    expect(after.jti).not.toBe(before.jti);
    expect(decodeJwt(String(renewed.body.id_token))).toMatchObject({ token_use: 'id', aud: CLIENT_ID });
    expect(await ordersStatus(access)).toBe(200);
    // No rotation: the same refresh token works again.
    expect((await refresh(first.refreshToken)).status).toBe(200);
  });

  it('refuses what Cognito refuses: a JSON body, another grant, another client, an unknown token', async () => {
    const { refreshToken } = await signIn('lab.acme');
    const json = await fetch(`${api.baseUrl}/local/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        client_id: CLIENT_ID,
        refresh_token: refreshToken,
      }),
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: 'invalid_request' });
    const password = await form('/local/oauth2/token', {
      grant_type: 'password',
      client_id: CLIENT_ID,
      username: 'lab.acme',
    });
    expect(await password.json()).toEqual({ error: 'unsupported_grant_type' });
    expect(await refresh(refreshToken, 'another-client')).toEqual({
      status: 400,
      body: { error: 'invalid_client' },
    });
    expect(await refresh(`${refreshToken}x`)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh('x'.repeat(5000))).toEqual({ status: 400, body: { error: 'invalid_request' } });
    // Still good after all that.
    expect((await refresh(refreshToken)).status).toBe(200);
  });

  it(`expires the refresh token ${REFRESH_TOKEN_MINUTES} minutes after sign-in, on the stack's clock`, async () => {
    // Prepare
    const { refreshToken } = await signIn('lab.bright');
    // Act + Assess: a minute before the end it still renews; a minute after, invalid_grant.
    await advance(REFRESH_TOKEN_MINUTES - 1);
    const late = await refresh(refreshToken);
    expect(late.status).toBe(200);
    await advance(2);
    expect(await refresh(refreshToken)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('is refused after a global sign-out (containment), and so are the tokens it issued', async () => {
    // Prepare
    const { refreshToken } = await signIn('designer.priya');
    const renewed = String((await refresh(refreshToken)).body.access_token);
    expect((await api.call('GET', '/assignments', { token: renewed })).status).toBe(200);
    // Act
    await cognito.send(
      new AdminUserGlobalSignOutCommand({ UserPoolId: USER_POOL.localId, Username: 'designer.priya' }),
    );
    // Assess
    expect(await refresh(refreshToken)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
    expect((await api.call('GET', '/assignments', { token: renewed })).status).toBe(401);
  });

  it('is refused once its user is deleted', async () => {
    const email = `refresh-${Date.now().toString(36)}@lab-acme.example.com`;
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: USER_POOL.localId,
        Username: email,
        UserAttributes: [{ Name: 'custom:account_id', Value: 'lab-acme' }],
      }),
    );
    const { refreshToken } = await signIn(email);
    expect((await refresh(refreshToken)).status).toBe(200);
    // Act
    await cognito.send(new AdminDeleteUserCommand({ UserPoolId: USER_POOL.localId, Username: email }));
    // Assess
    expect(await refresh(refreshToken)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
  });
});

describe('the local revocation endpoint', () => {
  it('revokes the refresh token and every token of its session, and only that session', async () => {
    // Prepare: two sessions of one user.
    const mine = await signIn('lab.acme');
    const other = await signIn('lab.acme');
    const renewed = String((await refresh(mine.refreshToken)).body.access_token);
    // Act
    const revoked = await revoke(mine.refreshToken);
    // Assess
    expect(revoked).toEqual({ status: 200, text: '' });
    expect(await refresh(mine.refreshToken)).toEqual({ status: 400, body: { error: 'invalid_grant' } });
    expect(await ordersStatus(mine.accessToken)).toBe(401);
    expect(await ordersStatus(renewed)).toBe(401);
    expect(await ordersStatus(other.accessToken)).toBe(200);
    expect((await refresh(other.refreshToken)).status).toBe(200);
    // Revoking again, or an unknown token, changes nothing and is 200 (RFC 7009 §2.2).
    expect((await revoke(mine.refreshToken)).status).toBe(200);
  });

  it('refuses an access token, a missing token and another client', async () => {
    const { accessToken, refreshToken } = await signIn('lab.acme');
    const access = await form('/local/oauth2/revoke', { token: accessToken, client_id: CLIENT_ID });
    expect({ status: access.status, body: await access.json() }).toEqual({
      status: 400,
      body: { error: 'unsupported_token_type' },
    });
    const missing = await form('/local/oauth2/revoke', { client_id: CLIENT_ID });
    expect(await missing.json()).toEqual({ error: 'invalid_request' });
    const otherClient = await form('/local/oauth2/revoke', { token: refreshToken, client_id: 'other' });
    expect(await otherClient.json()).toEqual({ error: 'invalid_client' });
    expect((await refresh(refreshToken)).status).toBe(200);
    expect(await ordersStatus(accessToken)).toBe(200);
  });
});

describe("the console's renewer against the local endpoints (the code that calls Cognito's on AWS)", () => {
  it('renews, then revokes, then is refused with RefreshRefusedError', async () => {
    // Prepare: the domain the local stack's config.json gives the console.
    const config = (await (await fetch(`${api.baseUrl}/config.json`)).json()) as {
      auth: { domain: string; clientId: string };
    };
    expect(config.auth).toEqual({ kind: 'local', domain: '/local', clientId: CLIENT_ID });
    const auth = { domain: `${api.baseUrl}${config.auth.domain}`, clientId: config.auth.clientId };
    const renewer = renewerFor(auth);
    const { refreshToken } = await signIn('lab.acme');
    // Act + Assess
    const renewed = await renewer.refresh(refreshToken);
    expect(renewed.expiresInMs).toBe(900_000);
    expect(await ordersStatus(renewed.accessToken)).toBe(200);
    await renewer.revoke(refreshToken);
    expect(await ordersStatus(renewed.accessToken)).toBe(401);
    await expect(renewer.refresh(refreshToken)).rejects.toBeInstanceOf(RefreshRefusedError);
  });
});
