/** Purge rules with in-memory ports: failures reach operators, retries resume, scope is respected. */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type CertificateSigner,
  type SignedCertificate,
  verifyCertificate,
} from '../../lambdas/domain/certificate';
import { ingestOrder, markStuck } from '../../lambdas/domain/ingest';
import type { Order, OrderFile } from '../../lambdas/domain/order';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { cancelOrder } from '../../lambdas/domain/orders/cancel';
import { createOrder } from '../../lambdas/domain/orders/create';
import { getOrder } from '../../lambdas/domain/orders/read';
import { submitOrder } from '../../lambdas/domain/orders/submit';
import { declareUpload } from '../../lambdas/domain/orders/uploads';
import {
  type PurgeDeps,
  type PurgedObject,
  type PurgeStore,
  purgeOrder,
  requestDeletion,
  sweepPurges,
  terminateAccount,
  withdrawDeletion,
} from '../../lambdas/domain/purge';
import {
  CLOSED_ORDER_RETENTION_DAYS,
  DRAFT_IDLE_DAYS,
  STUCK_RETENTION_DAYS,
} from '../../lambdas/domain/retention';
import { ConflictError, NotFoundError } from '../../lambdas/kernel/errors';
import { makeCreateOrderRequest } from '../support/factories';
import { makeActor, makeDeps, sha256 } from '../support/fakes';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer: CertificateSigner = {
  keyId: () => 'test-key',
  sign: async (message) => sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }),
  publicKeyDer: async () => publicKey.export({ format: 'der', type: 'spki' }),
};

class MemoryPurgeStore implements PurgeStore {
  readonly manifests = new Map<string, readonly PurgedObject[]>();
  readonly certificates = new Map<string, SignedCertificate>();
  readonly anonymised: { orderId: string; scope: 'files' | 'order' }[] = [];
  async saveManifest(orderId: string, objects: readonly PurgedObject[], scope: 'files' | 'order' = 'order') {
    const key = `${orderId}#${scope}`;
    if (!this.manifests.has(key)) this.manifests.set(key, objects);
    return this.manifests.get(key) ?? objects;
  }
  async anonymise(orderId: string, scope: 'files' | 'order') {
    this.anonymised.push({ orderId, scope });
    return scope === 'files' ? ['fileNames'] : ['patientRef', 'notes', 'fileNames'];
  }
  async saveCertificate(
    owner: { orderId: string; scope?: 'files' | 'order' } | { accountId: string },
    signed: SignedCertificate,
  ) {
    const key =
      'orderId' in owner
        ? `${owner.orderId}#${owner.scope ?? 'order'}`
        : `${owner.accountId}#${signed.certificate.certificateId}`;
    this.certificates.set(key, signed);
  }
  async orderCertificate(orderId: string) {
    return this.certificates.get(`${orderId}#order`) ?? this.certificates.get(`${orderId}#files`);
  }
  async accountCertificate(accountId: string, certificateId: string) {
    return this.certificates.get(`${accountId}#${certificateId}`);
  }
}

const setup = (objects: Record<string, number>) => {
  const base = makeDeps();
  const store = new Map(Object.entries(objects));
  // purgePrefix calls to let through before one fails (undefined: none fails).
  let failAfter: number | undefined;
  const deps: PurgeDeps = {
    ...base,
    designers: {} as PurgeDeps['designers'],
    policies: {
      policyFor: async () => ({ retentionDays: 730, autoAcceptDays: 7, deletionGraceDays: 30 }),
    },
    signer,
    purgeStore: new MemoryPurgeStore(),
    purger: {
      remaining: async (prefix) =>
        [...store.entries()]
          .filter(([k]) => k.startsWith(prefix))
          .map(([key, sizeBytes]) => ({ key, sizeBytes })),
      purgePrefix: async (prefix) => {
        const mine = [...store.entries()].filter(([k]) => k.startsWith(prefix));
        // A crash after deleting the first object.
        if (failAfter !== undefined && failAfter-- === 0) {
          failAfter = undefined;
          const first = mine[0];
          if (first) store.delete(first[0]);
          throw Object.assign(new Error('network'), { name: 'TimeoutError' });
        }
        for (const [k] of mine) store.delete(k);
        return mine.map(([key, sizeBytes]) => ({ key, sizeBytes }));
      },
    },
  };
  return {
    deps,
    base,
    store,
    purgeStore: deps.purgeStore as MemoryPurgeStore,
    failOnce: (after = 0) => {
      failAfter = after;
    },
  };
};

const archived = async (base: ReturnType<typeof makeDeps>, orderId: string, accountId = 'lab-acme') => {
  const order = {
    orderId,
    accountId,
    status: 'ARCHIVED',
    createdAt: '2026-01-01',
    items: [],
    phi: 'x',
  } as unknown as Order;
  await base.orders.create(order);
  await base.orders.transition(
    orderId,
    ['ARCHIVED'],
    {},
    { indexes: { pending: { name: 'PURGE', at: '2026-01-02T00:00:00.000Z' } } },
  );
};

describe('purge', () => {
  it('certifies everything that was there even when a first attempt crashed halfway', async () => {
    const { deps, base, store, failOnce } = setup({
      'orders/ord_1/inputs/a.stl': 100,
      'orders/ord_1/outputs/v1/b.stl': 50,
      'orders/ord_10/inputs/c.stl': 7,
    });
    await archived(base, 'ord_1');
    failOnce();
    // Act: the first sweep fails and tells operators; the second finishes.
    const first = await sweepPurges(deps);
    expect(first).toMatchObject({ purged: 0, failed: 1 });
    expect(base.notifier.sent.at(-1)).toMatchObject({
      kind: expect.stringContaining('Purge failed'),
      facts: { orderId: 'ord_1', errorName: 'TimeoutError' },
    });
    expect(base.orders.orders.get('ord_1')?.status).toBe('PURGING');
    const second = await sweepPurges(deps);
    // Assess
    expect(second).toMatchObject({ purged: 1, failed: 0 });
    const signed = await deps.purgeStore.orderCertificate('ord_1');
    expect(signed?.certificate.objects.map((o) => o.key).sort()).toEqual([
      'orders/ord_1/inputs/a.stl',
      'orders/ord_1/outputs/v1/b.stl',
    ]);
    expect(verifyCertificate(signed, publicKey)).toMatchObject({ valid: true });
    expect([...store.keys()]).toEqual(['orders/ord_10/inputs/c.stl']);
    expect(base.orders.orders.get('ord_1')?.status).toBe('PURGED');
  });

  it('returns the same certificate when asked to purge a purged order again', async () => {
    const { deps, base } = setup({ 'orders/ord_2/inputs/a.stl': 1 });
    await archived(base, 'ord_2');
    const first = await purgeOrder(deps, 'ord_2', 'retention-expired');
    const again = await purgeOrder(deps, 'ord_2', 'retention-expired');
    expect(again?.certificate.certificateId).toBe(first?.certificate.certificateId);
  });

  it('does not purge what is not yet due', async () => {
    const { deps, base } = setup({ 'orders/ord_3/inputs/a.stl': 1 });
    await base.orders.create({
      orderId: 'ord_3',
      accountId: 'lab-acme',
      status: 'ARCHIVED',
      items: [],
    } as unknown as Order);
    await base.orders.transition(
      'ord_3',
      ['ARCHIVED'],
      {},
      { indexes: { pending: { name: 'PURGE', at: '2099-01-01T00:00:00.000Z' } } },
    );
    expect(await sweepPurges(deps)).toEqual({ due: 0, purged: 0, failed: 0 });
  });
});

const DAY = 86_400_000;
const labA = makeActor();
const labB = makeActor({ sub: 'u-lab-bright-1', username: 'lab.bright', accountId: 'lab-bright' });
const operator = makeActor({
  sub: 'u-op-omar',
  username: 'operator.omar',
  roles: ['operator'],
  accountId: 'caseline',
});

/** An order in any status, straight into the in-memory table (ids and prescription only). */
const seedOrder = async (
  base: ReturnType<typeof makeDeps>,
  orderId: string,
  status: Order['status'],
  extra: Partial<Order> = {},
  accountId = 'lab-acme',
) => {
  await base.orders.create({
    orderId,
    accountId,
    createdBy: 'u-lab-acme-1',
    status,
    caseRef: `C-${orderId}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    items: [],
    turnaround: 'standard',
    remake: false,
    phi: 'x',
    ...extra,
  } as Order);
};

const timerOf = (base: ReturnType<typeof makeDeps>, orderId: string) =>
  base.orders.indexes.get(orderId)?.pending;
const inDays = (base: ReturnType<typeof makeDeps>, days: number) =>
  new Date(base.clock.now().getTime() + days * DAY).toISOString();

describe('every order state has a retention path', () => {
  it('puts a rejected order on the PURGE timer and purges its scan after the closing window', async () => {
    // Prepare: a submitted order whose scan is not what was declared.
    const key = 'orders/ord_rej/inputs/fil_1.stl';
    const { deps, base, store } = setup({ [key]: 1 });
    await seedOrder(base, 'ord_rej', 'SUBMITTED');
    await base.orders.addFile({
      orderId: 'ord_rej',
      accountId: 'lab-acme',
      fileId: 'fil_1',
      role: 'input',
      format: 'stl',
      nameCipher: 'x',
      sizeBytes: 100,
      sha256: '0'.repeat(64),
      key,
      declaredAt: '2026-01-01T00:00:00.000Z',
      upload: { mode: 'single' },
    } as OrderFile);
    base.files.objects.set(key, Buffer.from('x'));
    // Act
    expect((await ingestOrder(base, { orderId: 'ord_rej', accountId: 'lab-acme' })).status).toBe('REJECTED');
    // Assess: on the timer at the closing window, not purged before it, purged after it.
    const purgeAfter = inDays(base, CLOSED_ORDER_RETENTION_DAYS);
    expect(timerOf(base, 'ord_rej')).toEqual({ name: 'PURGE', at: purgeAfter });
    expect(base.orders.orders.get('ord_rej')?.purgeAfter).toBe(purgeAfter);
    expect(await sweepPurges(deps)).toMatchObject({ due: 0 });
    base.clock.advance((CLOSED_ORDER_RETENTION_DAYS + 1) * DAY);
    expect(await sweepPurges(deps)).toMatchObject({ due: 1, purged: 1, failed: 0 });
    expect(base.orders.orders.get('ord_rej')?.status).toBe('PURGED');
    expect(store.has(key)).toBe(false);
    expect((await deps.purgeStore.orderCertificate('ord_rej'))?.certificate.reason).toBe('retention-expired');
  });

  it('puts a cancelled draft and a stuck order on the timer too', async () => {
    const { deps, base } = setup({});
    await seedOrder(base, 'ord_can', 'DRAFT');
    await seedOrder(base, 'ord_stuck', 'QUEUED');
    await cancelOrder(deps, labA, 'ord_can');
    await markStuck(base, { orderId: 'ord_stuck', accountId: 'lab-acme', errorName: 'TestError' });
    expect(timerOf(base, 'ord_can')).toEqual({
      name: 'PURGE',
      at: inDays(base, CLOSED_ORDER_RETENTION_DAYS),
    });
    expect(timerOf(base, 'ord_stuck')).toEqual({ name: 'PURGE', at: inDays(base, STUCK_RETENTION_DAYS) });
    base.clock.advance((STUCK_RETENTION_DAYS + 1) * DAY);
    expect(await sweepPurges(deps)).toMatchObject({ due: 2, purged: 2 });
    expect(base.orders.orders.get('ord_can')?.status).toBe('PURGED');
    expect(base.orders.orders.get('ord_stuck')?.status).toBe('PURGED');
  });

  it('drops a stale PURGE timer from an order that went back into the workflow, purging nothing', async () => {
    const { deps, base, purgeStore } = setup({ 'orders/ord_back/inputs/a.stl': 1 });
    await seedOrder(base, 'ord_back', 'QUEUED');
    await base.orders.transition(
      'ord_back',
      ['QUEUED'],
      {},
      {
        indexes: { pending: { name: 'PURGE', at: '2026-01-02T00:00:00.000Z' } },
      },
    );
    expect(await sweepPurges(deps)).toMatchObject({ due: 1, purged: 0, stale: 1 });
    expect(base.orders.orders.get('ord_back')?.status).toBe('QUEUED');
    expect(timerOf(base, 'ord_back')).toBeNull();
    expect(purgeStore.anonymised).toEqual([]);
  });
});

describe('deletion on request', () => {
  it('is refused while the workflow holds the order, and on a pending decision it never decides the design', async () => {
    const { deps, base } = setup({});
    for (const status of ['SUBMITTED', 'QUEUED', 'ASSIGNED', 'QA'] as const) {
      await seedOrder(base, `ord_${status}`, status);
      for (const scope of ['files', 'order'] as const) {
        const refused = await requestDeletion(deps, labA, `ord_${status}`, scope).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(ConflictError);
        expect((refused as ConflictError).code).toBe('IN_PROGRESS');
      }
    }
    await seedOrder(base, 'ord_dlv', 'DELIVERED', { decisionTaskToken: 'token-1', deliveredVersion: 1 });
    for (const scope of ['files', 'order'] as const) {
      const refused = await requestDeletion(deps, labA, 'ord_dlv', scope).catch((e: unknown) => e);
      expect((refused as ConflictError).code).toBe('DECISION_PENDING');
      expect((refused as ConflictError).name).toBe('ConflictError');
    }
    // Nothing decided, nothing requested, no event.
    const order = base.orders.orders.get('ord_dlv');
    expect(order?.status).toBe('DELIVERED');
    expect(order?.deletionRequest).toBeUndefined();
    expect(base.workflow.completed).toEqual([]);
    expect(base.orders.events.filter((e) => e.type === 'DELETION_REQUESTED')).toEqual([]);
  });

  it('takes a rejected, cancelled or stuck order, never later than its own purge date, and withdraws back to it', async () => {
    const { deps, base } = setup({});
    await seedOrder(base, 'ord_r', 'REJECTED', { purgeAfter: inDays(base, 5) });
    await seedOrder(base, 'ord_c', 'CANCELLED', { purgeAfter: inDays(base, 20) });
    await seedOrder(base, 'ord_s', 'STUCK', { purgeAfter: inDays(base, STUCK_RETENTION_DAYS) });
    for (const id of ['ord_r', 'ord_c', 'ord_s']) {
      const requested = await requestDeletion(deps, labA, id, 'order');
      expect(requested).toMatchObject({ scope: 'order', purgeAt: inDays(base, 30) });
    }
    expect(timerOf(base, 'ord_r')).toEqual({ name: 'PURGE', at: inDays(base, 5) });
    expect(timerOf(base, 'ord_c')).toEqual({ name: 'PURGE', at: inDays(base, 20) });
    expect(timerOf(base, 'ord_s')).toEqual({ name: 'PURGE', at: inDays(base, 30) });
    await withdrawDeletion(deps, labA, 'ord_s');
    expect(timerOf(base, 'ord_s')).toEqual({ name: 'PURGE', at: inDays(base, STUCK_RETENTION_DAYS) });
  });

  it('purges only the files of a files-only request, then the record at the retention date', async () => {
    const key = 'orders/ord_f/inputs/a.stl';
    const { deps, base, store, purgeStore } = setup({ [key]: 10 });
    await seedOrder(base, 'ord_f', 'ARCHIVED', {
      purgeAfter: inDays(base, 700),
      archivedAt: inDays(base, 0),
    });
    await requestDeletion(deps, labA, 'ord_f', 'files');
    base.clock.advance(31 * DAY);
    expect(await sweepPurges(deps)).toMatchObject({ due: 1, purged: 1 });
    // The files are gone and certified; the order is back to ARCHIVED with its record on the timer.
    expect(store.has(key)).toBe(false);
    const afterFiles = base.orders.orders.get('ord_f');
    expect(afterFiles).toMatchObject({ status: 'ARCHIVED', filesPurgedAt: base.clock.now().toISOString() });
    expect(afterFiles?.deletionRequest).toBeUndefined();
    expect(timerOf(base, 'ord_f')).toEqual({ name: 'PURGE', at: afterFiles?.purgeAfter });
    expect(purgeStore.anonymised).toEqual([{ orderId: 'ord_f', scope: 'files' }]);
    expect((await deps.purgeStore.orderCertificate('ord_f'))?.certificate.reason).toBe('lab-request');
    // At the retention date the record goes too, with its own certificate.
    base.clock.advance(700 * DAY);
    expect(await sweepPurges(deps)).toMatchObject({ due: 1, purged: 1 });
    expect(base.orders.orders.get('ord_f')?.status).toBe('PURGED');
    expect(purgeStore.anonymised.at(-1)).toEqual({ orderId: 'ord_f', scope: 'order' });
    const final = await deps.purgeStore.orderCertificate('ord_f');
    expect(final?.certificate).toMatchObject({ reason: 'retention-expired', objects: [] });
  });

  it('hides the file names of an order whose files are to be deleted', async () => {
    const { deps, base } = setup({});
    const created = await createOrder(
      deps,
      labA,
      parseCreateOrder(makeCreateOrderRequest({ caseRef: 'C-77' })),
    );
    const body = Buffer.from('solid x\nendsolid x\n');
    await declareUpload(deps, labA, created.orderId, {
      name: 'smith-upper.stl',
      sizeBytes: body.length,
      sha256: sha256(body),
    });
    await base.orders.transition(created.orderId, ['DRAFT'], {
      status: 'ARCHIVED',
      archivedAt: inDays(base, 0),
      purgeAfter: inDays(base, 730),
    });
    expect(JSON.stringify(await getOrder(deps, labA, created.orderId))).toContain('smith-upper.stl');
    await requestDeletion(deps, labA, created.orderId, 'files');
    const view = await getOrder(deps, labA, created.orderId);
    expect(JSON.stringify(view)).not.toContain('smith-upper.stl');
    expect(view).toMatchObject({ files: [], filesDeletion: { purgeAt: inDays(base, 30) } });
  });
});

describe('account termination', () => {
  it('refuses an unknown account (404) and the staff account (409), signing nothing', async () => {
    const { deps, purgeStore } = setup({});
    await expect(terminateAccount(deps, operator, 'lab-nowhere')).rejects.toBeInstanceOf(NotFoundError);
    const staff = await terminateAccount(deps, operator, 'caseline').catch((e: unknown) => e);
    expect(staff).toBeInstanceOf(ConflictError);
    expect((staff as ConflictError).code).toBe('STAFF_ACCOUNT');
    expect(purgeStore.certificates.size).toBe(0);
    expect(await deps.accounts.stateOf('lab-nowhere')).toBeUndefined();
  });

  it('a termination killed midway is finished by running it again, with every order in one summary', async () => {
    const { deps, base, failOnce } = setup({
      'orders/ord_c1/inputs/a.stl': 5,
      'orders/ord_c2/inputs/b.stl': 6,
    });
    await seedOrder(base, 'ord_c1', 'ARCHIVED', { purgeAfter: inDays(base, 700) }, 'lab-coast');
    await seedOrder(base, 'ord_c2', 'DRAFT', {}, 'lab-coast');
    failOnce(1);
    await expect(terminateAccount(deps, operator, 'lab-coast')).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    const signed = await terminateAccount(deps, operator, 'lab-coast');
    expect(signed.certificate.orderCertificates?.map((c) => c.orderId).sort()).toEqual(['ord_c1', 'ord_c2']);
    expect(await deps.accounts.stateOf('lab-coast')).toMatchObject({
      status: 'TERMINATED',
      certificateId: signed.certificate.certificateId,
    });
    expect(await sweepPurges(deps)).not.toHaveProperty('terminations');
  });

  it('is recorded before it starts: one killed midway refuses new orders and the purge sweep finishes it', async () => {
    const keys = {
      'orders/ord_b1/inputs/a.stl': 5,
      'orders/ord_b2/inputs/b.stl': 6,
    };
    const { deps, base, store, failOnce } = setup(keys);
    await seedOrder(base, 'ord_b1', 'ARCHIVED', { purgeAfter: inDays(base, 700) }, 'lab-bright');
    await seedOrder(base, 'ord_b2', 'QUEUED', {}, 'lab-bright');
    // Act: the second order's purge crashes, killing the termination midway.
    failOnce(1);
    await expect(terminateAccount(deps, operator, 'lab-bright')).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    // Assess: recorded as started; the lab can create nothing meanwhile.
    expect((await deps.accounts.stateOf('lab-bright'))?.status).toBe('TERMINATING');
    const refused = await createOrder(deps, labB, parseCreateOrder(makeCreateOrderRequest())).catch(
      (e: unknown) => e,
    );
    expect((refused as ConflictError).code).toBe('ACCOUNT_TERMINATED');
    expect([...base.orders.orders.values()].filter((o) => o.accountId === 'lab-bright')).toHaveLength(2);
    // The next sweep finishes it: every order purged, one summary naming both, account TERMINATED.
    expect(await sweepPurges(deps)).toMatchObject({ terminations: 1, failed: 0 });
    const state = await deps.accounts.stateOf('lab-bright');
    expect(state?.status).toBe('TERMINATED');
    expect(base.orders.orders.get('ord_b1')?.status).toBe('PURGED');
    expect(base.orders.orders.get('ord_b2')?.status).toBe('PURGED');
    expect([...store.keys()]).toEqual([]);
    const summary = await deps.purgeStore.accountCertificate('lab-bright', state?.certificateId ?? '');
    expect(summary?.certificate.orderCertificates?.map((c) => c.orderId).sort()).toEqual([
      'ord_b1',
      'ord_b2',
    ]);
    expect(verifyCertificate(summary, publicKey)).toMatchObject({ valid: true });
    // A re-run returns the same summary; the lab is still refused.
    const again = await terminateAccount(deps, operator, 'lab-bright');
    expect(again.certificate.certificateId).toBe(summary?.certificate.certificateId);
    await expect(createOrder(deps, labB, parseCreateOrder(makeCreateOrderRequest()))).rejects.toMatchObject({
      code: 'ACCOUNT_TERMINATED',
    });
  });
});

describe('abandoned drafts and creates refused after a termination', () => {
  const uploadScan = async (base: ReturnType<typeof makeDeps>, deps: PurgeDeps, orderId: string) => {
    const body = Buffer.from(`solid ${orderId}\nendsolid\n`);
    const { fileId } = await declareUpload(deps, labA, orderId, {
      name: 'upper.stl',
      sizeBytes: body.length,
      sha256: sha256(body),
    });
    const file = (await base.orders.files(orderId)).find((f) => f.fileId === fileId);
    base.files.objects.set(file?.key ?? '', body);
  };

  it('cancels a draft idle for DRAFT_IDLE_DAYS (uploads removed at once), then purges it on the CANCELLED window', async () => {
    // Prepare: a draft with an uploaded scan, never submitted.
    const { deps, base, purgeStore } = setup({});
    const { orderId } = await createOrder(deps, labA, parseCreateOrder(makeCreateOrderRequest()));
    await uploadScan(base, deps, orderId);
    // Act + Assess: a day before the window nothing happens.
    base.clock.advance((DRAFT_IDLE_DAYS - 1) * DAY);
    expect(await sweepPurges(deps)).toMatchObject({ due: 0 });
    expect(base.orders.orders.get(orderId)?.status).toBe('DRAFT');
    // Once the window is over, the sweep cancels it like a lab's cancel.
    base.clock.advance(DAY + 1);
    expect(await sweepPurges(deps)).toMatchObject({ due: 1, expiredDrafts: 1, failed: 0 });
    expect(base.orders.orders.get(orderId)).toMatchObject({
      status: 'CANCELLED',
      closedReason: 'DRAFT_EXPIRED',
      purgeAfter: inDays(base, CLOSED_ORDER_RETENTION_DAYS),
    });
    expect(base.files.objects.size).toBe(0);
    expect(base.orders.guards.size).toBe(0);
    expect(base.orders.shas.size).toBe(0);
    const labView = await getOrder(deps, labA, orderId);
    expect(labView.timeline.at(-1)).toMatchObject({ type: 'CANCELLED', by: 'caseline purge-sweep' });
    // ...and its record is purged at the end of the CANCELLED window, with a certificate.
    base.clock.advance(CLOSED_ORDER_RETENTION_DAYS * DAY + 1);
    expect(await sweepPurges(deps)).toMatchObject({ purged: 1, failed: 0 });
    expect(base.orders.orders.get(orderId)?.status).toBe('PURGED');
    expect((await purgeStore.orderCertificate(orderId))?.certificate.reason).toBe('retention-expired');
  });

  it('keeps a draft that was touched since: its timer moves on to DRAFT_IDLE_DAYS after the last upload', async () => {
    const { deps, base } = setup({});
    const { orderId } = await createOrder(deps, labA, parseCreateOrder(makeCreateOrderRequest()));
    base.clock.advance(20 * DAY);
    await uploadScan(base, deps, orderId);
    const touchedAt = base.clock.now().getTime();
    // Act: the creation's timer falls due, but the draft was worked on 10 days ago.
    base.clock.advance((DRAFT_IDLE_DAYS - 20) * DAY + 1);
    expect(await sweepPurges(deps)).toMatchObject({ due: 1, failed: 0 });
    // Assess
    expect(base.orders.orders.get(orderId)?.status).toBe('DRAFT');
    expect(timerOf(base, orderId)).toEqual({
      name: 'PURGE',
      at: new Date(touchedAt + DRAFT_IDLE_DAYS * DAY).toISOString(),
    });
    base.clock.advance(20 * DAY);
    expect(await sweepPurges(deps)).toMatchObject({ expiredDrafts: 1 });
    expect(base.orders.orders.get(orderId)?.status).toBe('CANCELLED');
  });

  it('drops the draft timer when the draft is submitted', async () => {
    const { deps, base } = setup({});
    const { orderId } = await createOrder(deps, labA, parseCreateOrder(makeCreateOrderRequest()));
    await uploadScan(base, deps, orderId);
    await submitOrder(deps, labA, orderId);
    expect(timerOf(base, orderId)?.name).toBe('INTAKE');
    base.clock.advance((DRAFT_IDLE_DAYS + 1) * DAY);
    expect(await sweepPurges(deps)).toMatchObject({ due: 0 });
    expect(base.orders.orders.get(orderId)?.status).toBe('SUBMITTED');
  });

  it('purges at the next sweep a draft written after its account was terminated, certified as the termination', async () => {
    // Prepare: the whole termination runs between createOrder's account check and its write.
    const { deps, base, purgeStore } = setup({});
    const write = base.orders.create.bind(base.orders);
    base.orders.create = async (order, indexes) => {
      await terminateAccount(deps, operator, 'lab-acme');
      return write(order, indexes);
    };
    // Act
    const refused = await createOrder(deps, labA, parseCreateOrder(makeCreateOrderRequest())).catch(
      (e: unknown) => e,
    );
    // Assess: refused, and the order the termination never saw is purged by the next sweep.
    expect(refused).toMatchObject({ name: 'ConflictError', code: 'ACCOUNT_TERMINATED' });
    const [orderId] = [...base.orders.orders.keys()];
    base.clock.advance(1);
    expect(await sweepPurges(deps)).toMatchObject({ purged: 1, failed: 0 });
    expect(base.orders.orders.get(orderId ?? '')?.status).toBe('PURGED');
    expect((await purgeStore.orderCertificate(orderId ?? ''))?.certificate.reason).toBe(
      'account-termination',
    );
  });
});
