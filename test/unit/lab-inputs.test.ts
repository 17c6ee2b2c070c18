/**
 * A lab's links to its own input scans (GET /orders/{orderId}/inputs) with in-memory ports: each
 * link audited before it is signed, pinned to the version ingest checked, refused (404, audited)
 * for another account's order, and refused (409) once the files are asked to be deleted or gone.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3FileStore } from '../../lambdas/adapters/s3-file-store';
import { EXPOSURE } from '../../lambdas/domain/incidents/scope';
import type { Order } from '../../lambdas/domain/order';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { createOrder } from '../../lambdas/domain/orders/create';
import { labInputsOf } from '../../lambdas/domain/orders/read';
import { declareUpload } from '../../lambdas/domain/orders/uploads';
import { AuditUnavailableError, ConflictError, NotFoundError } from '../../lambdas/kernel/errors';
import { makeCreateOrderRequest } from '../support/factories';
import { makeActor, makeDeps, sha256 } from '../support/fakes';
import { urlExpiry } from '../support/presigned';

const labA = makeActor();
const labB = makeActor({ sub: 'u-lab-bright-1', accountId: 'lab-bright' });
type TestDeps = ReturnType<typeof makeDeps>;

let n = 0;

/** A scan declared on the order; `uploaded` marks it arrived (as complete-upload does). */
const declared = async (deps: TestDeps, orderId: string, uploaded: boolean) => {
  const body = Buffer.from(`solid s${++n}\nendsolid s${n}\n`);
  const { fileId } = await declareUpload(deps, labA, orderId, {
    name: `scan-${n}.stl`,
    sizeBytes: body.length,
    sha256: sha256(body),
  });
  const file = (await deps.orders.files(orderId)).find((f) => f.fileId === fileId);
  if (!file) throw new Error('not declared');
  if (uploaded) {
    deps.files.objects.set(file.key, body);
    await deps.orders.updateFile(orderId, fileId, { uploadedAt: deps.clock.now().toISOString() });
  }
  return file;
};

const draft = async (deps: TestDeps) =>
  (await createOrder(deps, labA, parseCreateOrder(makeCreateOrderRequest({ caseRef: `LI-${++n}` })))).orderId;

const setOrder = (deps: TestDeps, orderId: string, changes: Partial<Order>) => {
  const order = deps.orders.orders.get(orderId);
  if (!order) throw new Error('no order');
  deps.orders.orders.set(orderId, { ...order, ...changes } as Order);
};

describe('labInputsOf', () => {
  it('hands out the scans that arrived, checked ones at the checked version, each audited before it is signed', async () => {
    // Prepare: a checked scan, an unchecked upload, a scan the check refused, one never uploaded.
    const deps = makeDeps();
    const orderId = await draft(deps);
    const checked = await declared(deps, orderId, true);
    await deps.orders.updateFile(orderId, checked.fileId, {
      check: { ok: true, checkedAt: deps.clock.now().toISOString(), versionId: 'v7' },
    });
    const fresh = await declared(deps, orderId, true);
    const refused = await declared(deps, orderId, true);
    await deps.orders.updateFile(orderId, refused.fileId, {
      check: { ok: false, checkedAt: deps.clock.now().toISOString(), problem: 'not a mesh' },
    });
    await declared(deps, orderId, false);
    deps.audit.events.length = 0;
    const signedAfterAudit: boolean[] = [];
    const presign = deps.files.presignGet.bind(deps.files);
    deps.files.presignGet = async (input) => {
      const fileId = input.key.split('/').pop()?.split('.')[0];
      signedAfterAudit.push(
        deps.audit.events.some((e) => e.action === 'order.inputs' && e.fileId === fileId),
      );
      return presign(input);
    };

    // Act
    const out = await labInputsOf(deps, labA, orderId);

    // Assess
    expect(out.orderId).toBe(orderId);
    expect(out.files.map((f) => f.fileId).sort()).toEqual([checked.fileId, fresh.fileId].sort());
    expect(out.files.find((f) => f.fileId === checked.fileId)?.url).toBe(
      `memory://${checked.key}?get&versionId=v7`,
    );
    expect(out.files.find((f) => f.fileId === fresh.fileId)?.url).toBe(`memory://${fresh.key}?get`);
    expect(signedAfterAudit).toEqual([true, true]);
    expect(Date.parse(out.expiresAt) - deps.clock.now().getTime()).toBe(15 * 60_000);
    expect(deps.audit.events.map((e) => [e.action, e.outcome, e.accountId, e.orderId, e.fileId])).toEqual(
      out.files.map((f) => ['order.inputs', 'ALLOWED', 'lab-acme', orderId, f.fileId]),
    );
    // An incident's scope counts these hand-outs as what they are (domain/incidents/scope.ts).
    for (const e of deps.audit.events) expect(EXPOSURE[e.action]).toEqual(['intraoral scans']);
  });

  it('fails closed: no link is signed when the audit log cannot be written', async () => {
    const deps = makeDeps();
    const orderId = await draft(deps);
    await declared(deps, orderId, true);
    let signed = 0;
    deps.files.presignGet = async () => `memory://${++signed}`;
    deps.audit.failing = true;
    await expect(labInputsOf(deps, labA, orderId)).rejects.toBeInstanceOf(AuditUnavailableError);
    expect(signed).toBe(0);
  });

  it("answers another account's order exactly like a missing one, and audits both denials", async () => {
    const deps = makeDeps();
    const orderId = await draft(deps);
    await declared(deps, orderId, true);
    deps.audit.events.length = 0;
    const foreign = await labInputsOf(deps, labB, orderId).catch((e: unknown) => e);
    const missing = await labInputsOf(deps, labB, 'ord_missing').catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(NotFoundError);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((foreign as Error).message.replace(orderId, 'X')).toBe(
      (missing as Error).message.replace('ord_missing', 'X'),
    );
    expect(deps.audit.events.map((e) => [e.action, e.outcome, e.accountId, e.orderId, e.reason])).toEqual([
      ['order.inputs', 'DENIED', 'lab-acme', orderId, 'NOT_OWNER'],
      ['order.inputs', 'DENIED', 'lab-bright', 'ord_missing', 'NOT_FOUND'],
    ]);
  });

  it.each([
    [
      'a deletion request',
      { deletionRequest: { scope: 'files', requestedAt: 'x', requestedBy: 'u', purgeAt: 'y' } },
      'DELETION_REQUESTED',
    ],
    ['purged files', { filesPurgedAt: '2026-01-01T00:00:00.000Z' }, 'FILES_PURGED'],
    ['a purged order', { status: 'PURGED' }, 'FILES_PURGED'],
    ['a cancelled draft', { status: 'CANCELLED' }, 'FILES_REMOVED'],
  ] as const)('refuses an order with %s (409) and signs nothing', async (_what, changes, code) => {
    const deps = makeDeps();
    const orderId = await draft(deps);
    await declared(deps, orderId, true);
    setOrder(deps, orderId, changes as Partial<Order>);
    deps.audit.events.length = 0;
    const refused = await labInputsOf(deps, labA, orderId).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).code).toBe(code);
    expect(deps.audit.events).toEqual([]);
  });
});

describe('the expiry stated beside the links', () => {
  it('is never later than any link really expires, however the signing spreads over a second boundary', async () => {
    // Prepare: two scans; then a clock 1 ms short of a whole second that ticks 2 ms a reading, and
    // the real S3 presigner (signing needs no network) on it.
    const deps = makeDeps();
    const orderId = await draft(deps);
    await declared(deps, orderId, true);
    await declared(deps, orderId, true);
    let t = Date.UTC(2026, 0, 5, 9, 30, 0) - 1;
    Object.assign(deps.clock, {
      now: () => {
        const reading = new Date(t);
        t += 2;
        return reading;
      },
    });
    const s3 = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
    });
    const files = new S3FileStore(s3, 'case-files', deps.clock);
    // Act
    const links = await labInputsOf({ ...deps, files }, labA, orderId);
    // Assess: each URL's own expiry (X-Amz-Date + X-Amz-Expires) is at or after the stated one.
    expect(links.files).toHaveLength(2);
    for (const f of links.files) expect(urlExpiry(f.url)).toBeGreaterThanOrEqual(Date.parse(links.expiresAt));
    expect(links.expiresAt).toBe('2026-01-05T09:44:59.000Z');
  });
});
