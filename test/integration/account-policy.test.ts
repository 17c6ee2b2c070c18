/** Per-account policy: operators read and set it within stated ranges; the workflow uses it. */
import { describe, expect, inject, it } from 'vitest';
import { Api } from '../support/api';

const api = new Api(inject('apiUrl'));

describe('account policy', () => {
  it('starts from the defaults, takes a partial change, and keeps the rest', async () => {
    const before = await api.call('GET', '/accounts/lab-bright/policy', { as: 'operator.omar' });
    expect(before).toEqual({
      status: 200,
      body: {
        accountId: 'lab-bright',
        retentionDays: 730,
        autoAcceptDays: 7,
        deletionGraceDays: 30,
        status: 'ACTIVE',
      },
    });
    const set = await api.call('PUT', '/accounts/lab-bright/policy', {
      as: 'operator.omar',
      body: { retentionDays: 3650 },
    });
    expect(set.body).toEqual({
      accountId: 'lab-bright',
      retentionDays: 3650,
      autoAcceptDays: 7,
      deletionGraceDays: 30,
      status: 'ACTIVE',
    });
    const after = await api.call('GET', '/accounts/lab-bright/policy', { as: 'operator.omar' });
    expect(after.body).toEqual(set.body);
    // Put back what other tests on this stack expect.
    await api.call('PUT', '/accounts/lab-bright/policy', {
      as: 'operator.omar',
      body: { retentionDays: 730 },
    });
  });

  it('names every value out of range and changes nothing', async () => {
    const res = await api.call<{ fields: { field: string; message: string }[] }>(
      'PUT',
      '/accounts/lab-coast/policy',
      {
        as: 'operator.omar',
        body: { retentionDays: 5, autoAcceptDays: 0, deletionGraceDays: 'soon', colour: 'red' },
      },
    );
    expect(res.status).toBe(400);
    expect(res.body.fields.map((f) => f.field)).toEqual([
      'retentionDays',
      'autoAcceptDays',
      'deletionGraceDays',
      'colour',
    ]);
    const now = await api.call<{ retentionDays: number }>('GET', '/accounts/lab-coast/policy', {
      as: 'operator.omar',
    });
    expect(now.body.retentionDays).toBe(3650);
  });

  it('answers 404 for an account never set up and for the staff account, as the contract says', async () => {
    for (const accountId of ['lab-never-set-up', 'caseline']) {
      const res = await api.call<{ code: string }>('GET', `/accounts/${accountId}/policy`, {
        as: 'operator.omar',
      });
      expect(res).toMatchObject({ status: 404, body: { code: 'NOT_FOUND' } });
    }
  });

  it.each(['constructor', 'toString', '__proto__'])('refuses %s as an unknown field', async (field) => {
    const res = await api.call<{ fields: { field: string }[] }>('PUT', '/accounts/lab-acme/policy', {
      as: 'operator.omar',
      rawBody: `{"${field}": {"retentionDays": 31}, "retentionDays": 40}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.fields.map((f) => f.field)).toEqual([field]);
    const now = await api.call<{ retentionDays: number }>('GET', '/accounts/lab-acme/policy', {
      as: 'operator.omar',
    });
    expect(now.body.retentionDays).toBe(730);
  });

  it('is for operators only', async () => {
    expect((await api.call('GET', '/accounts/lab-acme/policy', { as: 'lab.acme' })).status).toBe(403);
    expect(
      (await api.call('PUT', '/accounts/lab-acme/policy', { as: 'officer.olivia', body: {} })).status,
    ).toBe(403);
  });
});
