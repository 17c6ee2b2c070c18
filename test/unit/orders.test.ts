/**
 * Order intake domain rules, with in-memory ports: ownership, audit-first and fail-closed,
 * duplicates, idempotent submit, no half-written orders.
 */
import { describe, expect, it } from 'vitest';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { cancelOrder } from '../../lambdas/domain/orders/cancel';
import { createOrder } from '../../lambdas/domain/orders/create';
import { STALE_CASE_REF_GUARD_MS } from '../../lambdas/domain/orders/guards';
import { getOrder, listOrders } from '../../lambdas/domain/orders/read';
import { submitOrder } from '../../lambdas/domain/orders/submit';
import { declareUpload, MULTIPART_THRESHOLD_BYTES, presignParts } from '../../lambdas/domain/orders/uploads';
import { DRAFT_IDLE_DAYS } from '../../lambdas/domain/retention';
import {
  AuditUnavailableError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../../lambdas/kernel/errors';
import { makeCreateOrderRequest } from '../support/factories';
import { makeActor, makeDeps, sha256 } from '../support/fakes';

const labA = makeActor();
const labB = makeActor({ sub: 'u-lab-bright-1', accountId: 'lab-bright' });
const newOrder = (caseRef = 'C-1001', extra = {}) =>
  parseCreateOrder(makeCreateOrderRequest({ caseRef, ...extra }));

const withUploadedFile = async (
  deps: ReturnType<typeof makeDeps>,
  orderId: string,
  body = Buffer.from('solid x\nendsolid x\n'),
) => {
  const declared = await declareUpload(deps, labA, orderId, {
    name: 'upper.stl',
    sizeBytes: body.length,
    sha256: sha256(body),
  });
  const file = (await deps.orders.files(orderId)).find((f) => f.fileId === declared.fileId);
  deps.files.objects.set(file?.key ?? '', body);
  return declared;
};

describe('createOrder', () => {
  it('stores PHI encrypted and bound to the order, never in clear', async () => {
    // Prepare
    const deps = makeDeps();
    // Act
    const created = await createOrder(deps, labA, newOrder());
    // Assess
    const stored = deps.orders.orders.get(created.orderId);
    expect(stored?.status).toBe('DRAFT');
    expect(JSON.stringify(stored)).not.toContain(makeCreateOrderRequest().patientRef);
    await expect(
      deps.phi.decrypt(stored?.phi ?? '', {
        accountId: 'lab-acme',
        orderId: 'ord_other',
        purpose: 'order-phi',
      }),
    ).rejects.toThrow();
  });

  it('answers 409 naming the open order when the case reference is reused, unless it is a remake', async () => {
    const deps = makeDeps();
    const first = await createOrder(deps, labA, newOrder('C-7'));
    const duplicate = await createOrder(deps, labA, newOrder('C-7')).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(ConflictError);
    expect((duplicate as ConflictError).details).toEqual({ existingOrderId: first.orderId });
    const remake = await createOrder(deps, labA, newOrder('C-7', { remake: true }));
    expect(remake.orderId).not.toBe(first.orderId);
  });

  it('lets another lab use the same case reference', async () => {
    const deps = makeDeps();
    await createOrder(deps, labA, newOrder('C-8'));
    await expect(createOrder(deps, labB, newOrder('C-8'))).resolves.toHaveProperty('status', 'DRAFT');
  });

  it('gives the case reference back when the order cannot be written', async () => {
    const deps = makeDeps();
    deps.orders.create = async () => {
      throw new Error('write failed');
    };
    await expect(createOrder(deps, labA, newOrder('C-9'))).rejects.toThrow('write failed');
    expect(deps.orders.guards.size).toBe(0);
  });

  it('stores the case reference only inside the encrypted PHI, and guards it by a keyed hash', async () => {
    // Prepare
    const deps = makeDeps();
    // Act
    const created = await createOrder(deps, labA, newOrder('CASE-CLEAR-1'));
    // Assess: nothing stored (order, guard, timeline) carries the reference in clear.
    const stored = deps.orders.orders.get(created.orderId);
    expect(stored).not.toHaveProperty('caseRef');
    expect(stored?.caseRefMac).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const everything = JSON.stringify([
      ...deps.orders.orders.values(),
      [...deps.orders.guards],
      deps.orders.events,
    ]);
    expect(everything).not.toContain('CASE-CLEAR-1');
    expect(created.caseRef).toBe('CASE-CLEAR-1');
    expect((await getOrder(deps, labA, created.orderId)).caseRef).toBe('CASE-CLEAR-1');
    expect((await listOrders(deps, labA, {})).orders[0]?.caseRef).toBe('CASE-CLEAR-1');
  });

  it('lists orders audited before any case reference is decrypted', async () => {
    const deps = makeDeps();
    await createOrder(deps, labA, newOrder('C-L1'));
    deps.audit.failing = true;
    deps.phi.decrypts = 0;
    await expect(listOrders(deps, labA, {})).rejects.toBeInstanceOf(AuditUnavailableError);
    expect(deps.phi.decrypts).toBe(0);
  });

  it('still reads orders written before the case reference was encrypted', async () => {
    // Prepare: a legacy record, reference in clear, PHI without it, guard keyed on the clear text.
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder('C-OLD', { remake: true }));
    const current = deps.orders.orders.get(orderId);
    const legacyPhi = await deps.phi.encrypt(JSON.stringify({ patientRef: 'J.D.' }), {
      accountId: 'lab-acme',
      orderId,
      purpose: 'order-phi',
    });
    const { caseRefMac: _mac, ...rest } = current as NonNullable<typeof current>;
    deps.orders.orders.set(orderId, { ...rest, caseRef: 'C-OLD', phi: legacyPhi, remake: false });
    await deps.orders.reserveCaseRef('lab-acme', 'C-OLD', orderId, deps.clock.now().toISOString());
    // Act / Assess
    expect((await getOrder(deps, labA, orderId)).caseRef).toBe('C-OLD');
    expect((await listOrders(deps, labA, {})).orders[0]?.caseRef).toBe('C-OLD');
    await cancelOrder(deps, labA, orderId);
    expect([...deps.orders.guards.keys()]).not.toContain('lab-acme#C-OLD');
  });

  describe.each([
    ['the keyed hash (KMS GenerateMac)', (deps: ReturnType<typeof makeDeps>) => (deps.hasher.failing = true)],
    ['the encryption (KMS Encrypt)', (deps: ReturnType<typeof makeDeps>) => (deps.phi.encryptFailing = true)],
    ['the audit log', (deps: ReturnType<typeof makeDeps>) => (deps.audit.failing = true)],
    ['the guard write', (deps: ReturnType<typeof makeDeps>) => deps.orders.failing.add('reserveCaseRef')],
    ['the timeline write', (deps: ReturnType<typeof makeDeps>) => deps.orders.failing.add('addTimeline')],
    ['the order write', (deps: ReturnType<typeof makeDeps>) => deps.orders.failing.add('create')],
  ])('with a fault in %s', (_step, inject) => {
    it('fails, leaves nothing behind, and a retry with the same case reference succeeds', async () => {
      // Prepare
      const deps = makeDeps();
      inject(deps);
      // Act
      await expect(createOrder(deps, labA, newOrder('C-FAULT'))).rejects.toThrow();
      deps.hasher.failing = false;
      deps.phi.encryptFailing = false;
      deps.audit.failing = false;
      deps.orders.failing.clear();
      const retry = await createOrder(deps, labA, newOrder('C-FAULT'));
      // Assess: exactly one order, holding the guard.
      expect([...deps.orders.orders.values()].map((o) => o.orderId)).toEqual([retry.orderId]);
      expect([...deps.orders.guards.values()].map((g) => g.orderId)).toEqual([retry.orderId]);
    });
  });

  it('takes over a stale guard whose order was never written, when even the release failed', async () => {
    // Prepare: the order write and the compensating release both fail.
    const deps = makeDeps();
    deps.orders.failing.add('create');
    deps.orders.failing.add('releaseCaseRef');
    await expect(createOrder(deps, labA, newOrder('C-LEAK'))).rejects.toThrow();
    deps.orders.failing.clear();
    expect(deps.orders.guards.size).toBe(1);
    // Act: at once, the guard may still belong to a create in flight: 409 without naming an order.
    const early = await createOrder(deps, labA, newOrder('C-LEAK')).catch((e: unknown) => e);
    expect(early).toMatchObject({ code: 'CASE_REF_PENDING' });
    expect((early as ConflictError).details).not.toHaveProperty('existingOrderId');
    // ...once stale, it is taken over.
    deps.clock.advance(STALE_CASE_REF_GUARD_MS + 1);
    const retry = await createOrder(deps, labA, newOrder('C-LEAK'));
    // Assess
    expect(deps.orders.orders.size).toBe(1);
    expect([...deps.orders.guards.values()].map((g) => g.orderId)).toEqual([retry.orderId]);
  });

  it('takes over a guard left by an order that is closed', async () => {
    const deps = makeDeps();
    const first = await createOrder(deps, labA, newOrder('C-CLOSED'));
    deps.orders.failing.add('releaseCaseRef');
    await deps.orders.transition(first.orderId, ['DRAFT'], { status: 'CANCELLED' });
    deps.orders.failing.clear();
    await expect(createOrder(deps, labA, newOrder('C-CLOSED'))).resolves.toHaveProperty('status', 'DRAFT');
  });

  it('writes the draft on its expiry timer, DRAFT_IDLE_DAYS after creation, in the same write', async () => {
    const deps = makeDeps();
    const createdAt = deps.clock.now().getTime();
    const { orderId } = await createOrder(deps, labA, newOrder('C-IDLE'));
    expect(deps.orders.indexes.get(orderId)?.pending).toEqual({
      name: 'PURGE',
      at: new Date(createdAt + DRAFT_IDLE_DAYS * 86_400_000).toISOString(),
    });
  });

  describe.each(['TERMINATING', 'TERMINATED'] as const)(
    'when the account goes %s between the check and the write',
    (status) => {
      it('undoes the create: 409 ACCOUNT_TERMINATED, the order cancelled and due for purge now, the guard released', async () => {
        // Prepare: the termination is recorded just after createOrder checked the account.
        const deps = makeDeps();
        const write = deps.orders.create.bind(deps.orders);
        deps.orders.create = async (order, indexes) => {
          deps.accounts.states.set('lab-acme', {
            status,
            terminationStartedAt: deps.clock.now().toISOString(),
          });
          return write(order, indexes);
        };
        // Act
        const refused = await createOrder(deps, labA, newOrder('C-RACE')).catch((e: unknown) => e);
        // Assess
        expect(refused).toBeInstanceOf(ConflictError);
        expect(refused).toMatchObject({ name: 'ConflictError', code: 'ACCOUNT_TERMINATED' });
        const [order] = [...deps.orders.orders.values()];
        const now = deps.clock.now().toISOString();
        expect(order).toMatchObject({
          status: 'CANCELLED',
          closedReason: 'ACCOUNT_TERMINATED',
          purgeAfter: now,
        });
        expect(deps.orders.indexes.get(order?.orderId ?? '')?.pending).toEqual({ name: 'PURGE', at: now });
        expect(deps.orders.guards.size).toBe(0);
      });
    },
  );

  it('undoes the create when the account cannot be checked again after the write', async () => {
    // Prepare: the second account read (after the write) fails.
    const deps = makeDeps();
    const stateOf = deps.accounts.stateOf.bind(deps.accounts);
    let reads = 0;
    deps.accounts.stateOf = async (accountId) => {
      if (++reads === 2)
        throw Object.assign(new Error('DynamoDB unavailable'), { name: 'ServiceUnavailable' });
      return stateOf(accountId);
    };
    // Act
    await expect(createOrder(deps, labA, newOrder('C-RECHECK'))).rejects.toMatchObject({
      name: 'ServiceUnavailable',
    });
    const retry = await createOrder(deps, labA, newOrder('C-RECHECK'));
    // Assess: the first order is closed and due for purge; the retry holds the case reference.
    const first = [...deps.orders.orders.values()].find((o) => o.orderId !== retry.orderId);
    expect(first).toMatchObject({ status: 'CANCELLED', closedReason: 'CREATE_FAILED' });
    expect([...deps.orders.guards.values()].map((g) => g.orderId)).toEqual([retry.orderId]);
  });
});

describe('getOrder', () => {
  it('audits the view before it decrypts anything', async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    deps.audit.events.length = 0;
    deps.phi.decrypts = 0;
    deps.phi.decrypt = (() => {
      const original = deps.phi.decrypt.bind(deps.phi);
      return async (c: string, ctx: Readonly<Record<string, string>>) => {
        expect(deps.audit.events.some((e) => e.action === 'order.view' && e.outcome === 'ALLOWED')).toBe(
          true,
        );
        return original(c, ctx);
      };
    })();
    const view = await getOrder(deps, labA, orderId);
    expect(view.patientRef).toBe(makeCreateOrderRequest().patientRef);
  });

  it('shows designers to the lab only as pseudonyms numbered per order, and staff as caseline', async () => {
    // Prepare: the lab's own entries, two designers (one twice), a process and an operator.
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    const at = deps.clock.now().toISOString();
    for (const [type, by] of [
      ['ASSIGNED', 'u-des-priya'],
      ['DESIGN_SUBMITTED', 'u-des-priya'],
      ['QA_FAILED', 'qa'],
      ['RELEASED', 'u-des-priya'],
      ['ASSIGNED', 'u-des-marco'],
      ['RESUMED', 'u-op-omar'],
    ] as const) {
      await deps.orders.addTimeline({ orderId, at, type, by });
    }
    // Act
    const view = await getOrder(deps, labA, orderId);
    // Assess
    expect(view.timeline.map((e) => `${e.type}:${e.by}`)).toEqual([
      `CREATED:${labA.sub}`,
      'ASSIGNED:designer-1',
      'DESIGN_SUBMITTED:designer-1',
      'QA_FAILED:qa',
      'RELEASED:designer-1',
      'ASSIGNED:designer-2',
      'RESUMED:caseline',
    ]);
    expect(JSON.stringify(view)).not.toMatch(/u-des-|u-op-/);
  });

  it('fails closed when the audit log cannot be written', async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    deps.audit.failing = true;
    deps.phi.decrypts = 0;
    await expect(getOrder(deps, labA, orderId)).rejects.toBeInstanceOf(AuditUnavailableError);
    expect(deps.phi.decrypts).toBe(0);
  });

  it("answers another account's order exactly like a missing one, and audits the denial against the owner", async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    const foreign = await getOrder(deps, labB, orderId).catch((e: unknown) => e);
    const missing = await getOrder(deps, labB, 'ord_missing').catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(NotFoundError);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((foreign as Error).message.replace(orderId, 'X')).toBe(
      (missing as Error).message.replace('ord_missing', 'X'),
    );
    expect(deps.audit.events).toContainEqual(
      expect.objectContaining({
        accountId: 'lab-acme',
        actorAccountId: 'lab-bright',
        outcome: 'DENIED',
        orderId,
        reason: 'NOT_OWNER',
      }),
    );
  });
});

describe('declareUpload', () => {
  it('refuses formats other than STL, PLY and OBJ, and bad checksums, naming each field', async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    const error = await declareUpload(deps, labA, orderId, {
      name: 'scan.zip',
      sizeBytes: 0,
      sha256: 'abc',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details.fields.map((f) => f.field)).toEqual([
      'name',
      'sizeBytes',
      'sha256',
    ]);
    expect(await deps.orders.files(orderId)).toHaveLength(0);
  });

  it('answers 409 naming the open order that already holds the same file', async () => {
    const deps = makeDeps();
    const first = await createOrder(deps, labA, newOrder('C-1'));
    const second = await createOrder(deps, labA, newOrder('C-2'));
    await withUploadedFile(deps, first.orderId);
    const body = Buffer.from('solid x\nendsolid x\n');
    const dup = await declareUpload(deps, labA, second.orderId, {
      name: 'a.stl',
      sizeBytes: body.length,
      sha256: sha256(body),
    }).catch((e: unknown) => e);
    expect((dup as ConflictError).details).toEqual({ existingOrderId: first.orderId });
    await expect(
      declareUpload(deps, labA, second.orderId, {
        name: 'a.stl',
        sizeBytes: body.length,
        sha256: sha256(body),
        remake: true,
      }),
    ).resolves.toHaveProperty('fileId');
  });

  it('keys objects by order only: no account id in what designers are handed', async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    await withUploadedFile(deps, orderId);
    const [file] = await deps.orders.files(orderId);
    expect(file?.key).toMatch(new RegExp(`^orders/${orderId}/inputs/fil_[0-9]+\\.stl$`));
    expect(file?.key).not.toContain(labA.accountId);
  });

  it('keeps the duplicate-file check on a remake order: a repeated scan is confirmed per file', async () => {
    // Prepare
    const deps = makeDeps();
    const first = await createOrder(deps, labA, newOrder('C-R1'));
    const remakeOrder = await createOrder(deps, labA, newOrder('C-R1', { remake: true }));
    await withUploadedFile(deps, first.orderId);
    const body = Buffer.from('solid x\nendsolid x\n');
    const file = { name: 'a.stl', sizeBytes: body.length, sha256: sha256(body) };
    // Act
    const dup = await declareUpload(deps, labA, remakeOrder.orderId, file).catch((e: unknown) => e);
    // Assess
    expect(dup).toMatchObject({ code: 'DUPLICATE_FILE', details: { existingOrderId: first.orderId } });
    await expect(
      declareUpload(deps, labA, remakeOrder.orderId, { ...file, remake: true }),
    ).resolves.toHaveProperty('fileId');
  });

  it('switches to multipart above the threshold and hands out part URLs in batches', async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    const declared = await declareUpload(deps, labA, orderId, {
      name: 'full-arch.ply',
      sizeBytes: MULTIPART_THRESHOLD_BYTES * 3,
      sha256: 'a'.repeat(64),
    });
    expect(declared.upload.mode).toBe('multipart');
    const first = await presignParts(deps, labA, orderId, declared.fileId, {});
    expect(first.parts.map((p) => p.partNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const resumed = await presignParts(deps, labA, orderId, declared.fileId, {
      completed: [
        { partNumber: 1, etag: '"e1"' },
        { partNumber: 2, etag: '"e2"' },
      ],
    });
    expect(resumed.completed.map((p) => p.partNumber)).toEqual([1, 2]);
    expect(resumed.parts[0]?.partNumber).toBe(3);
  });
});

describe('submitOrder', () => {
  it('starts exactly one workflow however often it is called', async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    await withUploadedFile(deps, orderId);
    const results = await Promise.all([submitOrder(deps, labA, orderId), submitOrder(deps, labA, orderId)]);
    await submitOrder(deps, labA, orderId);
    expect(new Set(results.map((r) => r.executionArn)).size).toBe(1);
    expect(deps.workflow.started.size).toBe(1);
    expect(deps.orders.orders.get(orderId)?.status).toBe('SUBMITTED');
    expect(deps.orders.orders.get(orderId)?.dueAt).toBeDefined();
  });

  it('refuses an order without files, or with a declared file that never arrived', async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    await expect(submitOrder(deps, labA, orderId)).rejects.toMatchObject({ code: 'NO_FILES' });
    await declareUpload(deps, labA, orderId, { name: 'x.stl', sizeBytes: 10, sha256: 'b'.repeat(64) });
    await expect(submitOrder(deps, labA, orderId)).rejects.toMatchObject({ code: 'FILES_MISSING' });
    expect(deps.workflow.started.size).toBe(0);
    expect(deps.orders.orders.get(orderId)?.status).toBe('DRAFT');
  });
});

describe('cancelOrder', () => {
  it('removes the uploads and frees the case reference and checksums', async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder('C-50'));
    await withUploadedFile(deps, orderId);
    const result = await cancelOrder(deps, labA, orderId);
    expect(result.removedObjects).toBe(1);
    expect(deps.files.objects.size).toBe(0);
    expect(deps.orders.guards.size).toBe(0);
    expect(deps.orders.shas.size).toBe(0);
    await expect(createOrder(deps, labA, newOrder('C-50'))).resolves.toHaveProperty('status', 'DRAFT');
  });

  it('refuses to cancel a submitted order', async () => {
    const deps = makeDeps();
    const { orderId } = await createOrder(deps, labA, newOrder());
    await withUploadedFile(deps, orderId);
    await submitOrder(deps, labA, orderId);
    await expect(cancelOrder(deps, labA, orderId)).rejects.toMatchObject({ code: 'WRONG_STATE' });
  });
});
