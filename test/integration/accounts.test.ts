/**
 * The account registry over the wire: onboarding, activation only with a BAA, who may read and
 * change what, and the PHI gate on order creation.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { Api } from '../support/api';

const api = new Api(inject('apiUrl'));
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
});
