import { describe, expect, it } from 'vitest';
import { SUB_PROCESSORS } from '../../common/sub-processors';
import type { AuditEvent } from '../../lambdas/domain/audit';
import type { AuditTrail, TrailQuery } from '../../lambdas/domain/audit-trail';
import type { DeletionCertificate, SignedCertificate } from '../../lambdas/domain/certificate';
import type { Designer } from '../../lambdas/domain/designers';
import type { Order } from '../../lambdas/domain/order';
import type { AccountRecord } from '../../lambdas/domain/ports';
import { getProcessingRecord, processingRecord } from '../../lambdas/domain/processing-record';
import type { PurgeStore } from '../../lambdas/domain/purge';
import { AuditUnavailableError, NotFoundError, ValidationError } from '../../lambdas/kernel/errors';
import { type MemoryAudit, MemoryDesigners, makeActor, makeDeps } from '../support/fakes';
import { MemoryIncidents } from '../support/incident-fakes';

/** The audit table's key read over the events MemoryAudit holds: by account, [from, to], in time order. */
class MemoryTrail implements Pick<AuditTrail, 'page'> {
  reads = 0;
  constructor(private readonly log: MemoryAudit) {}
  async page(q: TrailQuery) {
    this.reads++;
    const all = this.log.events
      .filter((e) => e.accountId === q.accountId && e.at >= q.from && e.at <= q.to)
      .sort((a, b) => a.at.localeCompare(b.at) || a.eventId.localeCompare(b.eventId));
    const start = q.cursor ? Number(q.cursor) : 0;
    const events = all.slice(start, start + q.limit) as unknown as Awaited<
      ReturnType<AuditTrail['page']>
    >['events'];
    const next = start + q.limit;
    return { events, ...(next < all.length ? { cursor: String(next) } : {}) };
  }
}

class Certificates implements Pick<PurgeStore, 'orderCertificate' | 'accountCertificate'> {
  readonly byOrder = new Map<string, SignedCertificate>();
  readonly byAccount = new Map<string, SignedCertificate>();
  async orderCertificate(orderId: string) {
    return this.byOrder.get(orderId);
  }
  async accountCertificate(accountId: string, certificateId: string) {
    return this.byAccount.get(`${accountId}#${certificateId}`);
  }
}

const signed = (
  c: Partial<DeletionCertificate> & Pick<DeletionCertificate, 'certificateId'>,
): SignedCertificate => ({
  certificate: {
    kind: 'order',
    accountId: 'lab-acme',
    reason: 'lab-request',
    deletedAt: '2026-01-03T00:00:00.000Z',
    process: 'caseline purge-sweep',
    objects: [{ key: 'orders/ord_gone/inputs/PATIENT-CANARY.stl', sizeBytes: 10 } as never],
    recordsAnonymised: ['patientRef'],
    backupsClearBy: '2026-02-10T00:00:00.000Z',
    ...c,
  },
  signature: { algorithm: 'ECDSA_SHA_256', keyId: 'k', value: 'sig' } as never,
});

const setup = async () => {
  const base = makeDeps();
  const designers = new MemoryDesigners();
  designers.add('des-in', ['crown']);
  designers.add('des-ph', ['crown']);
  designers.all.set('des-ph', { ...(designers.all.get('des-ph') as Designer), country: 'PH' });
  designers.add('des-vn', ['crown']);
  designers.all.set('des-vn', { ...(designers.all.get('des-vn') as Designer), country: 'VN' });
  const ledger = new MemoryTrail(base.audit);
  const purgeStore = new Certificates();
  const deps = { ...base, designers, ledger, purgeStore, incidents: new MemoryIncidents() };
  const event = (e: Partial<AuditEvent> & Pick<AuditEvent, 'at' | 'actorSub'>) =>
    base.audit.events.push({
      eventId: `aud_${base.audit.events.length}`,
      accountId: 'lab-acme',
      actorRole: 'designer',
      actorAccountId: 'caseline',
      action: 'queue.claim',
      outcome: 'ALLOWED',
      sourceIp: '10.0.0.1',
      orderId: 'ord_1',
      ...e,
    });
  return { deps, event, ledger, purgeStore };
};

const RANGE = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-04T23:59:59.999Z' };
const CONTEXT = { region: 'eu-central-1' };

describe('processingRecord (content)', () => {
  it("lists the countries of the designers who acted on the account's orders in the range, and no one else", async () => {
    const { deps, event } = await setup();
    event({ at: '2026-01-02T10:00:00.000Z', actorSub: 'des-in' });
    event({ at: '2026-01-03T10:00:00.000Z', actorSub: 'des-in', action: 'assignment.inputs' });
    event({ at: '2026-01-02T11:00:00.000Z', actorSub: 'des-ph', action: 'assignment.inputs' });
    // A refusal handed nothing over; another account's order is not this account's transfer;
    // an event outside the range is not in it; a lab user is not a transfer.
    event({ at: '2026-01-02T12:00:00.000Z', actorSub: 'des-vn', outcome: 'DENIED', reason: 'NOT_ASSIGNEE' });
    event({ at: '2026-01-02T12:00:00.000Z', actorSub: 'des-vn', accountId: 'lab-bright' });
    event({ at: '2025-12-31T23:59:59.999Z', actorSub: 'des-vn' });
    event({
      at: '2026-01-02T13:00:00.000Z',
      actorSub: 'u-lab-acme-1',
      actorRole: 'lab',
      action: 'order.view',
    });

    const record = await processingRecord(deps, 'lab-acme', RANGE, CONTEXT);

    expect(record.transfers.countries).toEqual([
      {
        country: 'IN',
        designers: 1,
        firstAt: '2026-01-02T10:00:00.000Z',
        lastAt: '2026-01-03T10:00:00.000Z',
      },
      {
        country: 'PH',
        designers: 1,
        firstAt: '2026-01-02T11:00:00.000Z',
        lastAt: '2026-01-02T11:00:00.000Z',
      },
    ]);
    expect(record.transfers).not.toHaveProperty('unknownCountry');
    const design = record.subProcessors.find((s) => s.id === 'design-network');
    expect(design).toMatchObject({ countries: ['IN', 'PH'] });
  });

  it('reads every page of the range, and names a designer without a recorded country ZZ', async () => {
    const { deps, event, ledger } = await setup();
    for (let i = 0; i < 250; i++)
      event({
        at: `2026-01-02T10:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`,
        actorSub: 'des-in',
      });
    event({ at: '2026-01-04T10:00:00.000Z', actorSub: 'des-gone' });

    const record = await processingRecord(deps, 'lab-acme', RANGE, CONTEXT);

    expect(ledger.reads).toBe(3);
    expect(record.transfers.countries.map((c) => c.country)).toEqual(['IN', 'ZZ']);
    expect(record.transfers.unknownCountry).toContain('PATCH /designers/');
  });

  it('states the sub-processors of common/sub-processors.ts with the stack region, and the account policy', async () => {
    const { deps } = await setup();
    await deps.accounts.replace({
      ...((await deps.accounts.get('lab-acme')) as AccountRecord),
      retentionDays: 400,
      deletionGraceDays: 14,
    });

    const record = await processingRecord(deps, 'lab-acme', RANGE, CONTEXT);

    expect(record.subProcessors.map((s) => s.id)).toEqual(SUB_PROCESSORS.map((s) => s.id));
    expect(record.subProcessors.filter((s) => s.region === 'eu-central-1').map((s) => s.id)).toEqual(
      SUB_PROCESSORS.filter((s) => s.region === 'STACK').map((s) => s.id),
    );
    expect(record.retention).toMatchObject({ archivedOrderDays: 400, deletionGraceDays: 14 });
    expect(record.controller).toMatchObject({ accountId: 'lab-acme' });
    expect(record.controller).not.toHaveProperty('contacts');
    expect(record.incidents.recorded).toEqual([]);
    expect(record.incidents.note).toMatch(/Every security incident whose scope included the account/);
    expect(record.categoriesOfData.length).toBeGreaterThan(0);
    expect(record.purposes.length).toBeGreaterThan(0);
  });

  it('lists every deletion certificate of the account (orders and the termination summary), without their object keys', async () => {
    const { deps, purgeStore } = await setup();
    const order = (orderId: string, accountId: string, extra: Partial<Order>) =>
      deps.orders.create({
        orderId,
        accountId,
        createdAt: '2026-01-01T00:00:00.000Z',
        status: 'ARCHIVED',
        ...extra,
      } as Order);
    await order('ord_gone', 'lab-acme', { status: 'PURGED', purgedAt: '2026-01-03T00:00:00.000Z' });
    await order('ord_files', 'lab-acme', { filesPurgedAt: '2026-01-02T00:00:00.000Z' });
    await order('ord_kept', 'lab-acme', {});
    await order('ord_other', 'lab-bright', { status: 'PURGED', purgedAt: '2026-01-03T00:00:00.000Z' });
    purgeStore.byOrder.set('ord_gone', signed({ certificateId: 'cert_1', orderId: 'ord_gone' }));
    purgeStore.byOrder.set(
      'ord_files',
      signed({ certificateId: 'cert_2', orderId: 'ord_files', deletedAt: '2026-01-02T00:00:00.000Z' }),
    );
    purgeStore.byOrder.set(
      'ord_other',
      signed({ certificateId: 'cert_x', orderId: 'ord_other', accountId: 'lab-bright' }),
    );
    purgeStore.byAccount.set(
      'lab-acme#cert_sum',
      signed({
        certificateId: 'cert_sum',
        kind: 'account-summary',
        reason: 'account-termination',
        deletedAt: '2026-01-04T00:00:00.000Z',
      }),
    );
    await deps.accounts.replace({
      ...((await deps.accounts.get('lab-acme')) as AccountRecord),
      certificateId: 'cert_sum',
    });

    const record = await processingRecord(deps, 'lab-acme', RANGE, CONTEXT);

    expect(
      record.deletionCertificates.map((c) => [c.certificateId, c.orderId ?? null, c.href ?? null]),
    ).toEqual([
      ['cert_2', 'ord_files', '/orders/ord_files/certificate'],
      ['cert_1', 'ord_gone', '/orders/ord_gone/certificate'],
      ['cert_sum', null, null],
    ]);
    expect(JSON.stringify(record)).not.toContain('PATIENT-CANARY');
  });
});

describe('getProcessingRecord (authorization and audit)', () => {
  const admin = makeActor({ sub: 'u-admin', roles: ['lab-admin'] });

  it("gives a lab-admin its own account's record, audited before the read", async () => {
    const { deps } = await setup();
    const record = await getProcessingRecord(deps, admin, 'lab-acme', {}, CONTEXT);
    expect(record.controller).toMatchObject({ accountId: 'lab-acme' });
    expect(deps.audit.events).toEqual([
      expect.objectContaining({
        accountId: 'lab-acme',
        action: 'account.processing-record',
        outcome: 'ALLOWED',
        actorSub: 'u-admin',
      }),
    ]);
    // The default range: the year to now.
    expect(record.range).toEqual({ from: '2025-01-05T09:00:00.000Z', to: '2026-01-05T09:00:00.000Z' });
  });

  it("answers another account's admin 404, as a missing account, and records the attempt against the account", async () => {
    const { deps } = await setup();
    await expect(getProcessingRecord(deps, admin, 'lab-bright', {}, CONTEXT)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect(deps.audit.events).toEqual([
      expect.objectContaining({ accountId: 'lab-bright', outcome: 'DENIED', reason: 'NOT_OWNER' }),
    ]);
    await expect(getProcessingRecord(deps, admin, 'caseline', {}, CONTEXT)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('gives a staff auditor any account', async () => {
    const { deps } = await setup();
    const auditor = makeActor({ sub: 'u-auditor', roles: ['auditor'], accountId: 'caseline' });
    const record = await getProcessingRecord(deps, auditor, 'lab-bright', {}, CONTEXT);
    expect(record.controller).toMatchObject({ accountId: 'lab-bright' });
    await expect(getProcessingRecord(deps, auditor, 'lab-nobody', {}, CONTEXT)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('reads nothing when the audit cannot be written', async () => {
    const { deps, ledger } = await setup();
    deps.audit.failing = true;
    await expect(getProcessingRecord(deps, admin, 'lab-acme', {}, CONTEXT)).rejects.toBeInstanceOf(
      AuditUnavailableError,
    );
    expect(ledger.reads).toBe(0);
  });

  it('bounds the range: ISO instants, to after from, at most 366 days', async () => {
    const { deps, ledger } = await setup();
    const fields = async (query: Record<string, string>) => {
      const error = await getProcessingRecord(deps, admin, 'lab-acme', query, CONTEXT).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).details.fields.map((f) => f.field);
    };
    expect(await fields({ from: 'yesterday' })).toEqual(['from']);
    expect(await fields({ to: '2026-02-30T00:00:00.000Z' })).toEqual(['to']);
    expect(await fields({ from: '2026-01-02T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' })).toEqual([
      'to',
    ]);
    expect(await fields({ from: '2024-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' })).toEqual([
      'from',
    ]);
    expect(ledger.reads).toBe(0);
  });
});
