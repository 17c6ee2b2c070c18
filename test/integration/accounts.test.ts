/**
 * The account registry over the wire: onboarding, activation only with a BAA, who may read and
 * change what, and the PHI gate on order creation.
 */
import { randomBytes } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { localTableName } from '../../common/definitions';
import { Api } from '../support/api';
import { makeCreateOrderRequest } from '../support/factories';
import { localDocumentClient } from '../support/local-clients';

const api = new Api(inject('apiUrl'));
const ddb = localDocumentClient(inject('endpoints').dynamodb);

/** The audit events recorded against an account. */
const auditOf = async (accountId: string) =>
  (
    await ddb.send(
      new QueryCommand({
        TableName: localTableName('audit'),
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ACCOUNT#${accountId}` },
      }),
    )
  ).Items ?? [];
const operator = { as: 'operator.omar' };

/** A fresh account id per test: the stack is shared by every integration file. */
const freshId = () => `lab-t${randomBytes(4).toString('hex')}`;

const BAA = { signedAt: '2025-11-01', version: '2025.2', effectiveAt: '2025-11-15' };
const contact = {
  name: 'Test Officer',
  email: 'security@test-lab.example.com',
  phone: '+15550107777',
  notices: ['breach'],
};

const onboard = async (accountId: string, extra: Record<string, unknown> = {}) =>
  api.call<Record<string, unknown>>('POST', '/accounts', {
    ...operator,
    body: {
      accountId,
      legalName: 'Test Dental Lab LLC',
      country: 'US',
      state: 'WA',
      contacts: [contact],
      ...extra,
    },
  });

describe('account registry over the wire', () => {
  it('onboards a partner as ONBOARDING, activates it only once a BAA is on file, and lists it', async () => {
    // Prepare
    const accountId = freshId();
    // Act
    const created = await onboard(accountId);
    const early = await api.call('PATCH', `/accounts/${accountId}`, {
      ...operator,
      body: { status: 'ACTIVE' },
    });
    const active = await api.call('PATCH', `/accounts/${accountId}`, {
      ...operator,
      body: { status: 'ACTIVE', baa: { ...BAA, breachNoticeHours: 6 } },
    });
    // Assess
    expect(created).toMatchObject({ status: 201, body: { accountId, status: 'ONBOARDING', version: 1 } });
    expect(early).toMatchObject({ status: 409, body: { code: 'BAA_REQUIRED' } });
    expect(active).toMatchObject({
      status: 200,
      body: {
        status: 'ACTIVE',
        baa: { ...BAA, breachNoticeHours: 6 },
        policy: { retentionDays: 730 },
        version: 2,
      },
    });
    const again = await onboard(accountId);
    expect(again).toMatchObject({ status: 409, body: { code: 'ACCOUNT_EXISTS' } });
    let cursor: string | undefined;
    const seen: { accountId: string; status: string; baa?: unknown }[] = [];
    do {
      const page = await api.call<{ accounts: typeof seen; nextCursor?: string }>(
        'GET',
        `/accounts?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        operator,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.accounts);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.find((a) => a.accountId === accountId)?.status).toBe('ACTIVE');
    // The seeded labs are ACTIVE partners with a BAA on file.
    expect(seen.find((a) => a.accountId === 'lab-acme')).toMatchObject({
      status: 'ACTIVE',
      baa: { breachNoticeHours: 24 },
    });
  });

  it('names every bad field with a 400 and writes nothing', async () => {
    const accountId = freshId();
    const res = await api.call<{ code: string; fields: { field: string }[] }>('POST', '/accounts', {
      ...operator,
      body: {
        accountId,
        legalName: '',
        country: 'US',
        contacts: [{ ...contact, email: 'not-an-address' }],
        baa: { ...BAA, breachNoticeHours: 0 },
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.fields.map((f) => f.field)).toEqual([
      'legalName',
      'baa.breachNoticeHours',
      'contacts[0].email',
      'state',
    ]);
    expect(JSON.stringify(res.body)).not.toContain('not-an-address');
    expect((await api.call('GET', `/accounts/${accountId}`, operator)).status).toBe(404);
  });

  it('is for operators: a lab user is refused (403) on every account route', async () => {
    const accountId = freshId();
    expect((await api.call('POST', '/accounts', { as: 'lab.acme', body: {} })).status).toBe(403);
    expect((await api.call('GET', '/accounts', { as: 'lab.acme' })).status).toBe(403);
    expect((await api.call('GET', '/accounts/lab-acme', { as: 'lab.acme' })).status).toBe(403);
    expect(
      (await api.call('PATCH', `/accounts/${accountId}`, { as: 'designer.priya', body: {} })).status,
    ).toBe(403);
  });

  it('keeps the policy in the registry: PATCH policy and GET /accounts/{id}/policy agree', async () => {
    const accountId = freshId();
    await onboard(accountId, { baa: BAA, policy: { retentionDays: 3650, autoAcceptDays: 5 } });
    const set = await api.call('PUT', `/accounts/${accountId}/policy`, {
      ...operator,
      body: { deletionGraceDays: 14 },
    });
    expect(set.body).toEqual({
      accountId,
      retentionDays: 3650,
      autoAcceptDays: 5,
      deletionGraceDays: 14,
      status: 'ONBOARDING',
    });
    const read = await api.call<{ policy: unknown }>('GET', `/accounts/${accountId}`, operator);
    expect(read.body.policy).toEqual({ retentionDays: 3650, autoAcceptDays: 5, deletionGraceDays: 14 });
  });

  it('a lab-admin invites a user, who can create orders only once the account is ACTIVE with a BAA', async () => {
    // Prepare: a partner onboarded without a BAA, its administrator invited by an operator.
    const accountId = freshId();
    await onboard(accountId);
    const adminEmail = `admin@${accountId}.example.com`;
    const userEmail = `tech@${accountId}.example.com`;
    const admin = await api.call<{ userId: string; role: string }>('POST', `/accounts/${accountId}/users`, {
      ...operator,
      body: { email: adminEmail, role: 'lab-admin' },
    });
    expect(admin).toMatchObject({ status: 201, body: { role: 'lab-admin' } });
    // Act: the administrator invites a technician, who tries to send a case.
    const tech = await api.call<{ userId: string }>('POST', `/accounts/${accountId}/users`, {
      as: adminEmail,
      body: { email: userEmail, role: 'lab' },
    });
    const order = () =>
      api.call<{ code: string }>('POST', '/orders', {
        as: userEmail,
        body: makeCreateOrderRequest({ caseRef: `ONB-${randomBytes(3).toString('hex')}` }),
      });
    const beforeBaa = await order();
    await api.call('PATCH', `/accounts/${accountId}`, { ...operator, body: { baa: BAA } });
    const beforeActive = await order();
    await api.call('PATCH', `/accounts/${accountId}`, { ...operator, body: { status: 'ACTIVE' } });
    const active = await order();
    // Assess
    expect(tech.status).toBe(201);
    expect(beforeBaa).toMatchObject({ status: 403, body: { code: 'BAA_REQUIRED' } });
    expect(beforeActive).toMatchObject({ status: 403, body: { code: 'ACCOUNT_NOT_ACTIVE' } });
    expect(active.status).toBe(201);
    // The administrator creates orders too, and sees its users (never another account's).
    expect(
      (
        await api.call('POST', '/orders', {
          as: adminEmail,
          body: makeCreateOrderRequest({ caseRef: `ADM-${randomBytes(3).toString('hex')}` }),
        })
      ).status,
    ).toBe(201);
    const users = await api.call<{ users: { userId: string; email: string; role: string }[] }>(
      'GET',
      `/accounts/${accountId}/users`,
      { as: adminEmail },
    );
    expect(users.body.users.map((u) => u.role).sort()).toEqual(['lab', 'lab-admin']);
    expect((await api.call('GET', `/accounts/${accountId}`, { as: adminEmail })).status).toBe(200);
  });

  it('refuses a lab user (403, audited) and another account’s admin (404, audited) on user management', async () => {
    const accountId = freshId();
    await onboard(accountId, { baa: BAA });
    const userEmail = `tech@${accountId}.example.com`;
    await api.call('POST', `/accounts/${accountId}/users`, {
      ...operator,
      body: { email: userEmail, role: 'lab' },
    });
    // Act
    const byUser = await api.call('POST', `/accounts/${accountId}/users`, {
      as: userEmail,
      body: { email: `other@${accountId}.example.com`, role: 'lab' },
    });
    const byOtherAdmin = await api.call('GET', `/accounts/${accountId}/users`, { as: 'admin.acme' });
    const removeByOtherAdmin = await api.call('DELETE', `/accounts/${accountId}/users/u-lab-acme-1`, {
      as: 'admin.acme',
    });
    // Assess
    expect(byUser.status).toBe(403);
    expect(byOtherAdmin.status).toBe(404);
    expect(removeByOtherAdmin.status).toBe(404);
    const events = await auditOf(accountId);
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'access.forbidden', outcome: 'DENIED', reason: 'WRONG_ROLE' }),
        expect.objectContaining({
          action: 'account.user-list',
          outcome: 'DENIED',
          reason: 'NOT_OWNER',
          actorSub: 'u-lab-acme-admin',
        }),
      ]),
    );
    // Only the invitee's own e-mail was refused; nothing else was created.
    const users = await api.call<{ users: unknown[] }>('GET', `/accounts/${accountId}/users`, operator);
    expect(users.body.users).toHaveLength(1);
    // The same e-mail twice is a 409.
    const twice = await api.call('POST', `/accounts/${accountId}/users`, {
      ...operator,
      body: { email: userEmail, role: 'lab' },
    });
    expect(twice).toMatchObject({ status: 409, body: { code: 'USER_EXISTS' } });
  });

  it('removing a user revokes its sessions at once (its live token is refused) and is audited', async () => {
    // Prepare: a user signed in (a token issued) before it is removed.
    const accountId = freshId();
    await onboard(accountId, { baa: BAA });
    await api.call('PATCH', `/accounts/${accountId}`, { ...operator, body: { status: 'ACTIVE' } });
    const adminEmail = `admin@${accountId}.example.com`;
    const userEmail = `tech@${accountId}.example.com`;
    await api.call('POST', `/accounts/${accountId}/users`, {
      ...operator,
      body: { email: adminEmail, role: 'lab-admin' },
    });
    const tech = await api.call<{ userId: string }>('POST', `/accounts/${accountId}/users`, {
      as: adminEmail,
      body: { email: userEmail, role: 'lab' },
    });
    const token = await api.token(userEmail);
    expect((await api.call('GET', '/orders', { token })).status).toBe(200);
    // Act
    const removed = await api.call('DELETE', `/accounts/${accountId}/users/${tech.body.userId}`, {
      as: adminEmail,
    });
    // Assess
    expect(removed).toMatchObject({ status: 200, body: { userId: tech.body.userId, removed: true } });
    expect((await api.call('GET', '/orders', { token })).status).toBe(401);
    await expect(api.token(userEmail)).rejects.toThrow(/400/);
    const again = await api.call('DELETE', `/accounts/${accountId}/users/${tech.body.userId}`, {
      as: adminEmail,
    });
    expect(again.status).toBe(404);
    expect(await auditOf(accountId)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'account.user-remove',
          outcome: 'ALLOWED',
          targetSub: tech.body.userId,
        }),
      ]),
    );
    expect(JSON.stringify(await auditOf(accountId))).not.toContain(userEmail);
  });

  it('termination revokes every session of the account’s users at once', async () => {
    const accountId = freshId();
    await onboard(accountId, { baa: BAA });
    await api.call('PATCH', `/accounts/${accountId}`, { ...operator, body: { status: 'ACTIVE' } });
    const userEmail = `tech@${accountId}.example.com`;
    await api.call('POST', `/accounts/${accountId}/users`, {
      ...operator,
      body: { email: userEmail, role: 'lab' },
    });
    const token = await api.token(userEmail);
    expect((await api.call('GET', '/orders', { token })).status).toBe(200);
    // Act
    const terminated = await api.call('POST', `/accounts/${accountId}/terminate`, operator);
    // Assess
    expect(terminated.status).toBe(200);
    expect((await api.call('GET', '/orders', { token })).status).toBe(401);
    const read = await api.call<{ status: string; contacts: unknown[] }>(
      'GET',
      `/accounts/${accountId}`,
      operator,
    );
    expect(read.body).toMatchObject({ status: 'TERMINATED', contacts: [] });
  });
});
