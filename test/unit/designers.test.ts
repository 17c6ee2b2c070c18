/**
 * The designer registry's domain rules, with an in-memory registry: operators only, every field
 * checked with a message that says what to send, every change audited first (fail closed),
 * deactivation that keeps the record, and the slot semantics the work queue relies on.
 */
import { describe, expect, it } from 'vitest';
import {
  createDesigner,
  type Designer,
  type DesignerChanges,
  type DesignerDeps,
  type DesignerRegistry,
  deactivateDesigner,
  listDesigners,
  updateDesigner,
} from '../../lambdas/domain/designers';
import { FakeClock } from '../../lambdas/kernel/clock';
import {
  AuditUnavailableError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../../lambdas/kernel/errors';
import { MemoryAudit, makeActor } from '../support/fakes';

/** Same contract as the DynamoDB adapter, including its conditional slot counter. */
class MemoryDesigners implements DesignerRegistry {
  readonly items = new Map<string, Designer>();
  async get(designerId: string) {
    return this.items.get(designerId);
  }
  async list() {
    return [...this.items.values()].sort((a, b) => a.username.localeCompare(b.username));
  }
  async create(d: Omit<Designer, 'activeJobs' | 'createdAt' | 'updatedAt'>, now: string) {
    if (this.items.has(d.designerId)) throw new ConflictError('exists', 'DESIGNER_EXISTS');
    const designer: Designer = { ...d, activeJobs: 0, createdAt: now, updatedAt: now };
    this.items.set(d.designerId, designer);
    return designer;
  }
  async update(designerId: string, changes: DesignerChanges, now: string) {
    const current = this.items.get(designerId);
    if (!current) throw new NotFoundError('missing');
    const next = { ...current, ...changes, updatedAt: now };
    this.items.set(designerId, next);
    return next;
  }
  async acquireSlot(designerId: string) {
    const d = this.items.get(designerId);
    if (!d?.enabled || d.activeJobs >= d.capacity) return false;
    this.items.set(designerId, { ...d, activeJobs: d.activeJobs + 1 });
    return true;
  }
  async releaseSlot(designerId: string) {
    const d = this.items.get(designerId);
    if (d && d.activeJobs > 0) this.items.set(designerId, { ...d, activeJobs: d.activeJobs - 1 });
  }
}

const makeRegistryDeps = () => {
  let n = 0;
  const deps = {
    designers: new MemoryDesigners(),
    audit: new MemoryAudit(),
    clock: new FakeClock(),
    ids: { next: (prefix: string) => `${prefix}_${String(++n).padStart(6, '0')}` },
  };
  return deps satisfies DesignerDeps;
};

const operator = makeActor({
  sub: 'u-op-omar',
  username: 'operator.omar',
  roles: ['operator'],
  accountId: 'caseline',
});

const makeDesignerRequest = (overrides: Record<string, unknown> = {}) => ({
  designerId: 'u-des-test',
  username: 'designer.test',
  displayName: 'Tess',
  skills: ['crown', 'bridge'],
  capacity: 3,
  country: 'IN',
  ...overrides,
});

/** The field issues of a ValidationError, or a failure if something else was thrown. */
const fieldsOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).details.fields;
};

describe('createDesigner', () => {
  it('registers an enabled designer with no jobs, stamped with the clock', async () => {
    // Prepare
    const deps = makeRegistryDeps();
    // Act
    const created = await createDesigner(deps, operator, makeDesignerRequest());
    // Assess
    expect(created).toEqual({
      designerId: 'u-des-test',
      username: 'designer.test',
      displayName: 'Tess',
      skills: ['crown', 'bridge'],
      capacity: 3,
      activeJobs: 0,
      country: 'IN',
      enabled: true,
      createdAt: '2026-01-05T09:00:00.000Z',
      updatedAt: '2026-01-05T09:00:00.000Z',
    });
    expect(deps.designers.items.get('u-des-test')).toEqual(created);
  });

  it('stores skills as catalogue ids in catalogue order, folding spellings and duplicates', async () => {
    const deps = makeRegistryDeps();
    const created = await createDesigner(
      deps,
      operator,
      makeDesignerRequest({ skills: ['Night Guard', 'crown', 'Implant Crown', 'CROWN'] }),
    );
    expect(created.skills).toEqual(['crown', 'implant-crown-bridge', 'splint-night-guard']);
  });

  it('audits the change before writing it, under the operator and their account', async () => {
    const deps = makeRegistryDeps();
    await createDesigner(deps, operator, makeDesignerRequest());
    expect(deps.audit.events).toEqual([
      expect.objectContaining({
        action: 'designer.change',
        outcome: 'ALLOWED',
        reason: 'CREATE',
        actorSub: 'u-op-omar',
        actorRole: 'operator',
        accountId: 'caseline',
      }),
    ]);
  });

  it('writes nothing when the audit log is down (fails closed)', async () => {
    const deps = makeRegistryDeps();
    deps.audit.failing = true;
    await expect(createDesigner(deps, operator, makeDesignerRequest())).rejects.toBeInstanceOf(
      AuditUnavailableError,
    );
    expect(deps.designers.items.size).toBe(0);
  });

  it('refuses an id already registered with a 409, audited as denied', async () => {
    const deps = makeRegistryDeps();
    await createDesigner(deps, operator, makeDesignerRequest());
    await expect(
      createDesigner(deps, operator, makeDesignerRequest({ displayName: 'Other' })),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(deps.designers.items.get('u-des-test')?.displayName).toBe('Tess');
    expect(deps.audit.events.at(-1)).toMatchObject({ outcome: 'DENIED', reason: 'EXISTS' });
  });

  it('may register a designer disabled from the start', async () => {
    const deps = makeRegistryDeps();
    const created = await createDesigner(deps, operator, makeDesignerRequest({ enabled: false }));
    expect(created.enabled).toBe(false);
  });

  it('reports every wrong field at once, each with what to send', async () => {
    const deps = makeRegistryDeps();
    const fields = await fieldsOf(
      createDesigner(deps, operator, {
        designerId: 'has space',
        username: 'Designer Test',
        displayName: '',
        skills: ['crown', 'wing'],
        capacity: 21,
        country: 'in',
        enabled: 'yes',
        activeJobs: 0,
        favouriteColour: 'blue',
      }),
    );
    expect(Object.fromEntries(fields.map((f) => [f.field, f.message]))).toEqual({
      designerId: expect.stringContaining('Cognito sub'),
      username: expect.stringContaining('designer.priya'),
      displayName: expect.stringContaining('1 to 80 characters'),
      'skills[1]': expect.stringContaining('crown, bridge, inlay-onlay'),
      capacity: expect.stringContaining('whole number from 1 to 20'),
      country: expect.stringContaining('ISO 3166-1 alpha-2'),
      enabled: expect.stringContaining('true'),
      activeJobs: expect.stringContaining('work queue'),
      favouriteColour: expect.stringContaining('Unknown field'),
    });
    expect(deps.designers.items.size).toBe(0);
    expect(deps.audit.events).toEqual([]);
  });

  it('names each missing required field', async () => {
    const fields = await fieldsOf(createDesigner(makeRegistryDeps(), operator, {}));
    expect(fields.map((f) => f.field)).toEqual([
      'designerId',
      'username',
      'displayName',
      'skills',
      'capacity',
      'country',
    ]);
  });

  it.each([
    ['a fraction', 2.5],
    ['zero', 0],
    ['a string', '3'],
  ])('refuses a capacity that is %s', async (_label, capacity) => {
    const fields = await fieldsOf(
      createDesigner(makeRegistryDeps(), operator, makeDesignerRequest({ capacity })),
    );
    expect(fields.map((f) => f.field)).toEqual(['capacity']);
  });

  it('accepts the capacity bounds 1 and 20', async () => {
    const deps = makeRegistryDeps();
    await createDesigner(deps, operator, makeDesignerRequest({ designerId: 'u-a', capacity: 1 }));
    await createDesigner(deps, operator, makeDesignerRequest({ designerId: 'u-b', capacity: 20 }));
    expect([...deps.designers.items.values()].map((d) => d.capacity)).toEqual([1, 20]);
  });

  it('refuses an empty skill list, pointing at the active flag instead', async () => {
    const fields = await fieldsOf(
      createDesigner(makeRegistryDeps(), operator, makeDesignerRequest({ skills: [] })),
    );
    expect(fields).toEqual([{ field: 'skills', message: expect.stringContaining('set enabled to false') }]);
  });

  it.each([
    ['an e-mail address', 'priya@example.com', 'e-mail'],
    ['a phone number', 'Priya +63 917 123 4567', 'phone'],
    ['a bare digit run', 'Priya 09171234567', 'phone'],
    ['81 characters', 'x'.repeat(81), '1 to 80'],
  ])('refuses a display name with %s', async (_label, displayName, says) => {
    const fields = await fieldsOf(
      createDesigner(makeRegistryDeps(), operator, makeDesignerRequest({ displayName })),
    );
    expect(fields).toEqual([{ field: 'displayName', message: expect.stringContaining(says) }]);
    // The message never repeats what was sent.
    expect(fields[0]?.message).not.toContain(displayName);
  });

  it('trims and folds spaces in the display name', async () => {
    const created = await createDesigner(
      makeRegistryDeps(),
      operator,
      makeDesignerRequest({ displayName: '  Priya   R.  ' }),
    );
    expect(created.displayName).toBe('Priya R.');
  });

  it('refuses a body that is not an object', async () => {
    const fields = await fieldsOf(createDesigner(makeRegistryDeps(), operator, ['crown']));
    expect(fields.map((f) => f.field)).toEqual(['body']);
  });
});

describe('listDesigners', () => {
  it('lists every designer, deactivated ones included, and audits the listing', async () => {
    const deps = makeRegistryDeps();
    await createDesigner(deps, operator, makeDesignerRequest({ designerId: 'u-b', username: 'designer.b' }));
    await createDesigner(
      deps,
      operator,
      makeDesignerRequest({ designerId: 'u-a', username: 'designer.a', enabled: false }),
    );
    const { designers } = await listDesigners(deps, operator);
    expect(designers.map((d) => [d.username, d.enabled])).toEqual([
      ['designer.a', false],
      ['designer.b', true],
    ]);
    expect(deps.audit.events.at(-1)).toMatchObject({ action: 'designer.list', outcome: 'ALLOWED' });
  });

  it('lists nothing when the audit log is down', async () => {
    const deps = makeRegistryDeps();
    deps.audit.failing = true;
    await expect(listDesigners(deps, operator)).rejects.toBeInstanceOf(AuditUnavailableError);
  });
});

describe('updateDesigner', () => {
  const withDesigner = async () => {
    const deps = makeRegistryDeps();
    await createDesigner(deps, operator, makeDesignerRequest());
    deps.clock.advance(60_000);
    return deps;
  };

  it('changes only the fields sent and moves updatedAt', async () => {
    const deps = await withDesigner();
    const updated = await updateDesigner(deps, operator, 'u-des-test', {
      capacity: 5,
      skills: ['veneer'],
      country: 'PH',
    });
    expect(updated).toMatchObject({
      displayName: 'Tess',
      capacity: 5,
      skills: ['veneer'],
      country: 'PH',
      enabled: true,
      createdAt: '2026-01-05T09:00:00.000Z',
      updatedAt: '2026-01-05T09:01:00.000Z',
    });
    expect(deps.audit.events.at(-1)).toMatchObject({
      action: 'designer.change',
      outcome: 'ALLOWED',
      reason: 'UPDATE',
    });
  });

  it('answers 404 for a designer not in the registry, audited as denied', async () => {
    const deps = await withDesigner();
    await expect(updateDesigner(deps, operator, 'u-nobody', { capacity: 2 })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(deps.audit.events.at(-1)).toMatchObject({ outcome: 'DENIED', reason: 'NOT_FOUND' });
  });

  it('refuses a malformed id with what an id looks like', async () => {
    const fields = await fieldsOf(updateDesigner(await withDesigner(), operator, '#index', { capacity: 2 }));
    expect(fields.map((f) => f.field)).toEqual(['designerId']);
  });

  it('says why the id, the username and the counter cannot be changed', async () => {
    const deps = await withDesigner();
    const fields = await fieldsOf(
      updateDesigner(deps, operator, 'u-des-test', {
        designerId: 'u-other',
        username: 'designer.other',
        activeJobs: 0,
        updatedAt: '2020-01-01T00:00:00Z',
      }),
    );
    expect(Object.fromEntries(fields.map((f) => [f.field, f.message]))).toEqual({
      designerId: expect.stringContaining('cannot change'),
      username: expect.stringContaining('cannot change'),
      activeJobs: expect.stringContaining('work queue'),
      updatedAt: expect.stringContaining('set by the service'),
    });
    expect(deps.designers.items.get('u-des-test')?.updatedAt).toBe('2026-01-05T09:00:00.000Z');
  });

  it('refuses an empty change, listing what may be sent', async () => {
    const fields = await fieldsOf(updateDesigner(await withDesigner(), operator, 'u-des-test', {}));
    expect(fields).toEqual([
      { field: 'body', message: expect.stringContaining('displayName, skills, capacity, country, enabled') },
    ]);
  });

  it('validates the fields sent like create does', async () => {
    const fields = await fieldsOf(
      updateDesigner(await withDesigner(), operator, 'u-des-test', { capacity: 0, country: 'India' }),
    );
    expect(fields.map((f) => f.field)).toEqual(['capacity', 'country']);
  });

  it('may re-enable a deactivated designer', async () => {
    const deps = await withDesigner();
    await deactivateDesigner(deps, operator, 'u-des-test');
    const updated = await updateDesigner(deps, operator, 'u-des-test', { enabled: true });
    expect(updated.enabled).toBe(true);
  });
});

describe('deactivateDesigner', () => {
  it('clears the active flag and keeps the record and its counter', async () => {
    // Prepare
    const deps = makeRegistryDeps();
    await createDesigner(deps, operator, makeDesignerRequest());
    await deps.designers.acquireSlot('u-des-test');
    // Act
    const result = await deactivateDesigner(deps, operator, 'u-des-test');
    // Assess
    expect(result).toMatchObject({ designerId: 'u-des-test', enabled: false, activeJobs: 1, country: 'IN' });
    expect(deps.designers.items.get('u-des-test')).toEqual(result);
    expect(deps.audit.events.at(-1)).toMatchObject({ outcome: 'ALLOWED', reason: 'DEACTIVATE' });
  });

  it('is a no-op the second time: updatedAt does not move', async () => {
    const deps = makeRegistryDeps();
    await createDesigner(deps, operator, makeDesignerRequest());
    const first = await deactivateDesigner(deps, operator, 'u-des-test');
    deps.clock.advance(60_000);
    const second = await deactivateDesigner(deps, operator, 'u-des-test');
    expect(second).toEqual(first);
  });

  it('answers 404 for a designer not in the registry', async () => {
    await expect(deactivateDesigner(makeRegistryDeps(), operator, 'u-nobody')).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });
});

describe('slot semantics the work queue relies on (in-memory registry)', () => {
  const registryWith = async (overrides: Record<string, unknown> = {}) => {
    const deps = makeRegistryDeps();
    await createDesigner(deps, operator, makeDesignerRequest(overrides));
    return deps;
  };

  it('grants slots up to capacity and no more', async () => {
    const { designers } = await registryWith({ capacity: 3 });
    const grants = await Promise.all(Array.from({ length: 10 }, () => designers.acquireSlot('u-des-test')));
    expect(grants.filter(Boolean)).toHaveLength(3);
    expect((await designers.get('u-des-test'))?.activeJobs).toBe(3);
  });

  it('grants nothing to a deactivated designer', async () => {
    const deps = await registryWith();
    await deactivateDesigner(deps, operator, 'u-des-test');
    expect(await deps.designers.acquireSlot('u-des-test')).toBe(false);
  });

  it('grants nothing new after capacity is lowered below the jobs in hand, until enough are released', async () => {
    const deps = await registryWith({ capacity: 3 });
    for (let i = 0; i < 3; i++) await deps.designers.acquireSlot('u-des-test');
    await updateDesigner(deps, operator, 'u-des-test', { capacity: 1 });
    await deps.designers.releaseSlot('u-des-test');
    expect(await deps.designers.acquireSlot('u-des-test')).toBe(false);
    await deps.designers.releaseSlot('u-des-test');
    await deps.designers.releaseSlot('u-des-test');
    expect(await deps.designers.acquireSlot('u-des-test')).toBe(true);
  });

  it('never counts below zero', async () => {
    const { designers } = await registryWith();
    await designers.releaseSlot('u-des-test');
    expect((await designers.get('u-des-test'))?.activeJobs).toBe(0);
  });

  it('leaves the counter alone when an operator edits the designer', async () => {
    const deps = await registryWith();
    await deps.designers.acquireSlot('u-des-test');
    const updated = await updateDesigner(deps, operator, 'u-des-test', { displayName: 'Tess K.' });
    expect(updated.activeJobs).toBe(1);
  });
});
