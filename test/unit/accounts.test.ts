/**
 * The account registry with in-memory ports: onboarding, field-level validation, who may see and
 * change what, and the PHI gate (no order without a BAA on file and an ACTIVE account).
 */
import { describe, expect, it } from 'vitest';
import { inviteUser, removeUser } from '../../lambdas/domain/account-users';
import { createAccount, getAccount, listAccounts, updateAccount } from '../../lambdas/domain/accounts';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { createOrder } from '../../lambdas/domain/orders/create';
import {
  AccountNotActiveError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '../../lambdas/kernel/errors';
import { makeCreateOrderRequest } from '../support/factories';
import { makeAccount, makeActor, makeDeps } from '../support/fakes';

const operator = makeActor({
  sub: 'u-op-omar',
  username: 'operator.omar',
  roles: ['operator'],
  accountId: 'caseline',
});
const acmeAdmin = makeActor({
  sub: 'u-acme-admin',
  username: 'admin.acme',
  roles: ['lab-admin'],
  accountId: 'lab-acme',
});
const order = () => parseCreateOrder(makeCreateOrderRequest());

const onboarding = (overrides: Record<string, unknown> = {}) => ({
  accountId: 'lab-delta',
  legalName: 'Delta Dental Ceramics LLC',
  country: 'US',
  state: 'NY',
  contacts: [
    { name: 'Dana Example', email: 'security@delta.example.com', phone: '+15550104444', notices: ['breach'] },
  ],
  ...overrides,
});

const fieldsOf = async (p: Promise<unknown>) => {
  const error = await p.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).details.fields.map((f) => f.field);
};

describe('onboarding (POST /accounts)', () => {
  it('records a partner as ONBOARDING with the default policy and the 24-hour breach window, audited', async () => {
    // Prepare
    const deps = makeDeps();
    // Act
    const created = await createAccount(
      deps,
      operator,
      onboarding({ baa: { signedAt: '2026-01-02', version: '2026.1', effectiveAt: '2026-01-03' } }),
    );
    // Assess
    expect(created).toMatchObject({
      accountId: 'lab-delta',
      status: 'ONBOARDING',
      baa: { breachNoticeHours: 24 },
      policy: { retentionDays: 730, autoAcceptDays: 7, deletionGraceDays: 30 },
    });
    expect(deps.audit.events).toEqual([
      expect.objectContaining({ action: 'account.create', accountId: 'lab-delta', outcome: 'ALLOWED' }),
    ]);
  });

  it('names every bad field at once, never echoing personal data', async () => {
    const deps = makeDeps();
    const body = onboarding({
      accountId: 'Lab Delta',
      country: 'USA',
      contacts: [{ name: '', email: 'dana at delta', phone: '555-0104', notices: ['gossip'] }],
      baa: { signedAt: '2026-02-30', version: 'v 1', effectiveAt: '2026-01-01', breachNoticeHours: 96 },
      colour: 'red',
    });
    const error = (await createAccount(deps, operator, body).catch((e: unknown) => e)) as ValidationError;
    expect(error.details.fields.map((f) => f.field)).toEqual([
      'accountId',
      'country',
      'baa.signedAt',
      'baa.version',
      'baa.breachNoticeHours',
      'contacts[0].name',
      'contacts[0].email',
      'contacts[0].phone',
      'contacts[0].notices[0]',
      'colour',
    ]);
    expect(JSON.stringify(error.details)).not.toContain('dana at delta');
    expect(deps.accounts.records.has('lab-delta')).toBe(false);
  });

  it('needs a contact, a state for US partners, and a BAA that starts on or after its signature', async () => {
    const deps = makeDeps();
    expect(
      await fieldsOf(
        createAccount(
          deps,
          operator,
          onboarding({
            state: undefined,
            contacts: [],
            baa: { signedAt: '2026-01-10', version: '1', effectiveAt: '2026-01-01' },
          }),
        ),
      ),
    ).toEqual(['contacts', 'baa.effectiveAt', 'state']);
    expect(await fieldsOf(createAccount(deps, operator, onboarding({ accountId: 'caseline' })))).toEqual([
      'accountId',
    ]);
  });

  it('refuses an id already taken with 409 ACCOUNT_EXISTS', async () => {
    const deps = makeDeps();
    const taken = await createAccount(deps, operator, onboarding({ accountId: 'lab-acme' })).catch(
      (e: unknown) => e,
    );
    expect(taken).toMatchObject({ name: 'ConflictError', code: 'ACCOUNT_EXISTS' });
    expect(deps.accounts.records.get('lab-acme')?.legalName).toBe('lab-acme Dental Lab LLC');
  });
});

describe('changing an account (PATCH /accounts/{accountId})', () => {
  it('activates only with a BAA on file (409 BAA_REQUIRED), then with one', async () => {
    const deps = makeDeps();
    await createAccount(deps, operator, onboarding());
    const refused = await updateAccount(deps, operator, 'lab-delta', { status: 'ACTIVE' }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ code: 'BAA_REQUIRED' });
    expect(deps.accounts.records.get('lab-delta')?.status).toBe('ONBOARDING');
    const active = await updateAccount(deps, operator, 'lab-delta', {
      status: 'ACTIVE',
      baa: { signedAt: '2026-01-02', version: '2026.1', effectiveAt: '2026-01-02', breachNoticeHours: 12 },
      policy: { retentionDays: 3650 },
    });
    expect(active).toMatchObject({
      status: 'ACTIVE',
      baa: { breachNoticeHours: 12 },
      policy: { retentionDays: 3650, autoAcceptDays: 7 },
      version: 2,
    });
  });

  it('writes over the version it read: a change made meanwhile is a 409, not lost', async () => {
    const deps = makeDeps();
    const replace = deps.accounts.replace.bind(deps.accounts);
    deps.accounts.replace = async (record) => {
      // Another operator's change lands between the read and the write.
      const current = await deps.accounts.get('lab-acme');
      if (current) await replace({ ...current, legalName: 'Acme Two' });
      return replace(record);
    };
    const refused = await updateAccount(deps, operator, 'lab-acme', { legalName: 'Acme One' }).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'CONCURRENT_UPDATE' });
    expect(deps.accounts.records.get('lab-acme')?.legalName).toBe('Acme Two');
  });

  it('lets a lab-admin change its own contacts, nothing else, and no other account (404, audited)', async () => {
    const deps = makeDeps();
    const contacts = [
      {
        name: 'New Officer',
        email: 'po@acme.example.com',
        phone: '+15550109999',
        notices: ['breach', 'audit'],
      },
    ];
    expect(await updateAccount(deps, acmeAdmin, 'lab-acme', { contacts })).toMatchObject({ contacts });
    const status = await updateAccount(deps, acmeAdmin, 'lab-acme', { status: 'SUSPENDED' }).catch(
      (e: unknown) => e,
    );
    expect(status).toBeInstanceOf(ForbiddenError);
    const other = await updateAccount(deps, acmeAdmin, 'lab-bright', { contacts }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(NotFoundError);
    await expect(getAccount(deps, acmeAdmin, 'lab-bright')).rejects.toBeInstanceOf(NotFoundError);
    expect(deps.audit.events.filter((e) => e.outcome === 'DENIED')).toEqual([
      expect.objectContaining({ action: 'account.update', accountId: 'lab-acme', reason: 'WRONG_ROLE' }),
      expect.objectContaining({ action: 'account.update', accountId: 'lab-bright', reason: 'NOT_OWNER' }),
      expect.objectContaining({ action: 'account.view', accountId: 'lab-bright', reason: 'NOT_OWNER' }),
    ]);
    expect(deps.accounts.records.get('lab-bright')?.contacts).not.toEqual(contacts);
  });

  it('refuses any change to a terminating account (409 ACCOUNT_TERMINATED)', async () => {
    const deps = makeDeps();
    await deps.accounts.startTermination('lab-coast', deps.clock.now().toISOString());
    const refused = await updateAccount(deps, operator, 'lab-coast', { legalName: 'Coast 2' }).catch(
      (e: unknown) => e,
    );
    expect(refused).toMatchObject({ code: 'ACCOUNT_TERMINATED' });
  });
});

describe('listing (GET /accounts)', () => {
  it('pages in id order with a cursor, and refuses a forged cursor', async () => {
    const deps = makeDeps();
    const first = await listAccounts(deps, operator, { limit: '2' });
    expect(first.accounts.map((a) => a.accountId)).toEqual(['lab-acme', 'lab-bright']);
    const second = await listAccounts(deps, operator, { limit: '2', cursor: first.nextCursor });
    expect(second.accounts.map((a) => a.accountId)).toEqual(['lab-coast']);
    expect(second.nextCursor).toBeUndefined();
    expect(await fieldsOf(listAccounts(deps, operator, { limit: '0', cursor: 'X\n' }))).toEqual([
      'limit',
      'cursor',
    ]);
  });
});

describe('the PHI gate: no order without a BAA on file and an ACTIVE account', () => {
  it.each([
    ['no record at all', undefined, 'BAA_REQUIRED'],
    ['onboarding without a BAA', { status: 'ONBOARDING', baa: undefined }, 'BAA_REQUIRED'],
    [
      'a BAA that takes effect next month',
      { baa: { signedAt: '2026-01-01', version: '1', effectiveAt: '2026-02-01', breachNoticeHours: 24 } },
      'BAA_REQUIRED',
    ],
    ['onboarding with a BAA', { status: 'ONBOARDING' }, 'ACCOUNT_NOT_ACTIVE'],
    ['suspended', { status: 'SUSPENDED' }, 'ACCOUNT_NOT_ACTIVE'],
  ] as const)('refuses %s with 403 %s and writes nothing', async (_case, overrides, code) => {
    // Prepare
    const deps = makeDeps();
    const lab = makeActor({ accountId: 'lab-delta' });
    if (overrides) await deps.accounts.create(makeAccount('lab-delta', overrides as never));
    // Act
    const refused = await createOrder(deps, lab, order()).catch((e: unknown) => e);
    // Assess
    expect(refused).toBeInstanceOf(AccountNotActiveError);
    expect(refused).toMatchObject({ code, details: { accountId: 'lab-delta' } });
    expect(deps.orders.orders.size).toBe(0);
    expect(deps.orders.guards.size).toBe(0);
    expect(deps.audit.events).toEqual([]);
  });

  it('lets an ACTIVE account with a BAA in effect create orders, and a lab-admin too', async () => {
    const deps = makeDeps();
    expect((await createOrder(deps, acmeAdmin, order())).status).toBe('DRAFT');
  });
});

describe('account users', () => {
  it('deletes the pool user again when the registry entry cannot be written, so a retry works', async () => {
    // Prepare
    const deps = makeDeps();
    deps.accounts.addUser = async () => {
      throw new Error('table unavailable');
    };
    // Act
    const failed = await inviteUser(deps, acmeAdmin, 'lab-acme', {
      email: 'tech@acme.example.com',
      role: 'lab',
    }).catch((e: unknown) => e);
    // Assess
    expect(failed).toBeInstanceOf(Error);
    expect(deps.identity.users.size).toBe(0);
  });

  it('signs a removed user out before deleting it, and audits the removal by sub only', async () => {
    const deps = makeDeps();
    const invited = await inviteUser(deps, acmeAdmin, 'lab-acme', {
      email: 'tech@acme.example.com',
      role: 'lab',
    });
    const removed = await removeUser(deps, acmeAdmin, 'lab-acme', invited.userId);
    expect(removed).toMatchObject({ removed: true, userId: invited.userId });
    expect(deps.identity.signedOut).toEqual([invited.userId]);
    expect(deps.identity.users.size).toBe(0);
    expect(await deps.accounts.users('lab-acme')).toEqual([]);
    const event = deps.audit.events.find((e) => e.action === 'account.user-remove');
    expect(event).toMatchObject({ targetSub: invited.userId, outcome: 'ALLOWED' });
    expect(JSON.stringify(deps.audit.events)).not.toContain('tech@acme.example.com');
  });
});
