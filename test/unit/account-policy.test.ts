/** Account policy rules with in-memory ports: known accounts only, own fields only, audited. */
import { describe, expect, it } from 'vitest';
import { getAccountPolicy, setAccountPolicy } from '../../lambdas/domain/account-policy';
import { NotFoundError, ValidationError } from '../../lambdas/kernel/errors';
import { makeActor, makeDeps } from '../support/fakes';

const operator = makeActor({
  sub: 'u-op-omar',
  username: 'operator.omar',
  roles: ['operator'],
  accountId: 'caseline',
});

const setup = () => {
  const base = makeDeps();
  return { deps: base, base, before: base.accounts.records.get('lab-acme') };
};

describe('account policy', () => {
  it('answers 404 for an account never set up, and for the staff account', async () => {
    const { deps } = setup();
    await expect(getAccountPolicy(deps, 'lab-nowhere')).rejects.toBeInstanceOf(NotFoundError);
    await expect(getAccountPolicy(deps, 'caseline')).rejects.toBeInstanceOf(NotFoundError);
    expect(await getAccountPolicy(deps, 'lab-acme')).toMatchObject({
      accountId: 'lab-acme',
      retentionDays: 730,
      status: 'ACTIVE',
    });
  });

  it.each([
    ['constructor', '{"constructor": 5}'],
    ['toString', '{"toString": 5}'],
    ['__proto__', '{"__proto__": {"retentionDays": 31}}'],
    ['hasOwnProperty', '{"hasOwnProperty": 1, "retentionDays": 40}'],
  ])('refuses an inherited name (%s) as an unknown field and changes nothing', async (field, json) => {
    const { deps, base, before } = setup();
    const refused = await setAccountPolicy(deps, operator, 'lab-acme', JSON.parse(json)).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).details.fields).toEqual([
      { field, message: expect.stringContaining('Unknown field') },
    ]);
    expect(base.accounts.records.get('lab-acme')).toEqual(before);
    expect(base.audit.events).toEqual([]);
  });

  it('refuses a body that is not an object', async () => {
    const { deps } = setup();
    for (const body of [null, [], 'x', 5]) {
      await expect(setAccountPolicy(deps, operator, 'lab-acme', body)).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
  });
});
