/** Purge rules with in-memory ports: failures reach operators, retries resume, scope is respected. */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type CertificateSigner,
  type SignedCertificate,
  verifyCertificate,
} from '../../lambdas/domain/certificate';
import type { Order } from '../../lambdas/domain/order';
import {
  type PurgeDeps,
  type PurgedObject,
  type PurgeStore,
  purgeOrder,
  sweepPurges,
} from '../../lambdas/domain/purge';
import { makeDeps } from '../support/fakes';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer: CertificateSigner = {
  keyId: () => 'test-key',
  sign: async (message) => sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }),
  publicKeyDer: async () => publicKey.export({ format: 'der', type: 'spki' }),
};

class MemoryPurgeStore implements PurgeStore {
  readonly manifests = new Map<string, readonly PurgedObject[]>();
  readonly certificates = new Map<string, SignedCertificate>();
  async saveManifest(orderId: string, objects: readonly PurgedObject[]) {
    if (!this.manifests.has(orderId)) this.manifests.set(orderId, objects);
    return this.manifests.get(orderId) ?? objects;
  }
  async anonymise(_orderId: string, scope: 'files' | 'order') {
    return scope === 'files' ? ['fileNames'] : ['patientRef', 'notes', 'fileNames'];
  }
  async saveCertificate(owner: { orderId: string } | { accountId: string }, signed: SignedCertificate) {
    this.certificates.set('orderId' in owner ? owner.orderId : owner.accountId, signed);
  }
  async orderCertificate(orderId: string) {
    return this.certificates.get(orderId);
  }
}

const setup = (objects: Record<string, number>) => {
  const base = makeDeps();
  const store = new Map(Object.entries(objects));
  let failNext = false;
  const deps: PurgeDeps = {
    ...base,
    designers: {} as PurgeDeps['designers'],
    policies: {
      policyFor: async () => ({ retentionDays: 730, autoAcceptDays: 7, deletionGraceDays: 30 }),
      setPolicy: async () => undefined,
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
        if (failNext) {
          failNext = false;
          const first = mine[0];
          if (first) store.delete(first[0]);
          throw Object.assign(new Error('network'), { name: 'TimeoutError' });
        }
        for (const [k] of mine) store.delete(k);
        return mine.map(([key, sizeBytes]) => ({ key, sizeBytes }));
      },
    },
  };
  return { deps, base, store, failOnce: () => (failNext = true) };
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
      'accounts/lab-acme/orders/ord_1/inputs/a.stl': 100,
      'accounts/lab-acme/orders/ord_1/outputs/v1/b.stl': 50,
      'accounts/lab-acme/orders/ord_10/inputs/c.stl': 7,
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
      'accounts/lab-acme/orders/ord_1/inputs/a.stl',
      'accounts/lab-acme/orders/ord_1/outputs/v1/b.stl',
    ]);
    expect(verifyCertificate(signed, publicKey)).toMatchObject({ valid: true });
    expect([...store.keys()]).toEqual(['accounts/lab-acme/orders/ord_10/inputs/c.stl']);
    expect(base.orders.orders.get('ord_1')?.status).toBe('PURGED');
  });

  it('returns the same certificate when asked to purge a purged order again', async () => {
    const { deps, base } = setup({ 'accounts/lab-acme/orders/ord_2/inputs/a.stl': 1 });
    await archived(base, 'ord_2');
    const first = await purgeOrder(deps, 'ord_2', 'retention-expired');
    const again = await purgeOrder(deps, 'ord_2', 'retention-expired');
    expect(again?.certificate.certificateId).toBe(first?.certificate.certificateId);
  });

  it('does not purge what is not yet due', async () => {
    const { deps, base } = setup({ 'accounts/lab-acme/orders/ord_3/inputs/a.stl': 1 });
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
