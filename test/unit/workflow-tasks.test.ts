/**
 * The order workflow's tasks with in-memory ports: downloads pinned to the object version a check
 * read, and every task safe to run again (a new token) after a run cut off by a kill.
 */
import { describe, expect, it, vi } from 'vitest';
import { inputsOf } from '../../lambdas/domain/design/assignments';
import { claimNext } from '../../lambdas/domain/design/claim';
import { acceptDelivery, deliverablesOf } from '../../lambdas/domain/design/decisions';
import { declareOutput, submitDesign } from '../../lambdas/domain/design/hand-in';
import {
  archiveOrder,
  awaitDesign,
  deliverAndAwaitDecision,
  qaDesign,
} from '../../lambdas/domain/design/workflow-tasks';
import { ingestOrder } from '../../lambdas/domain/ingest';
import type { OrderFile } from '../../lambdas/domain/order';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { createOrder } from '../../lambdas/domain/orders/create';
import { TransientError } from '../../lambdas/kernel/errors';
import { makeCreateOrderRequest } from '../support/factories';
import { makeActor, makeDesignDeps, makeDesigner, sha256 } from '../support/fakes';
import { meshBytes } from '../support/mesh-factory';

const lab = makeActor();
const priya = makeDesigner('priya');

const setup = () => makeDesignDeps({ priya: { skills: ['crown', 'bridge'] } });
type TestDeps = ReturnType<typeof setup>;

let n = 0;
const ids = (orderId: string) => ({ orderId, accountId: 'lab-acme' });

/** A SUBMITTED order with one uploaded input scan, as submit leaves it for ingest. */
const submitted = async (deps: TestDeps) => {
  const { orderId } = await createOrder(
    deps,
    lab,
    parseCreateOrder(makeCreateOrderRequest({ caseRef: `W-${++n}` })),
  );
  const body = meshBytes('stl-binary', { triangles: 12, seed: ++n });
  const file: OrderFile = {
    orderId,
    accountId: 'lab-acme',
    fileId: `fil_in${n}`,
    role: 'input',
    format: 'stl',
    nameCipher: 'x',
    sizeBytes: body.length,
    sha256: sha256(body),
    key: `orders/${orderId}/inputs/fil_in${n}.stl`,
    declaredAt: deps.clock.now().toISOString(),
    upload: { mode: 'single' },
    uploadedAt: deps.clock.now().toISOString(),
  };
  await deps.orders.addFile(file);
  deps.files.objects.set(file.key, body);
  await deps.orders.transition(
    orderId,
    ['DRAFT'],
    { status: 'SUBMITTED', submittedAt: deps.clock.now().toISOString() },
    { indexes: { pending: null, watch: { at: deps.clock.now().toISOString() } } },
  );
  return { orderId, file, body };
};

/** Queued, claimed by priya, and a design handed in (QA); `bad` hands in bytes that fail QA. */
const handedIn = async (deps: TestDeps, bad = false) => {
  const { orderId } = await submitted(deps);
  await ingestOrder(deps, ids(orderId));
  await awaitDesign(deps, { ...ids(orderId), taskToken: `tok-${orderId}-1` });
  await claimNext(deps, priya);
  const body = meshBytes('stl-binary', { triangles: 20, seed: ++n });
  const out = await declareOutput(deps, priya, orderId, {
    name: 'd.stl',
    sizeBytes: body.length,
    sha256: sha256(body),
  });
  const file = (await deps.orders.files(orderId)).find((f) => f.fileId === out.fileId) as OrderFile;
  deps.files.objects.set(file.key, bad ? Buffer.alloc(body.length, 7) : body);
  await submitDesign(deps, priya, orderId);
  return { orderId, file, body };
};

const entries = async (deps: TestDeps, orderId: string, type: string) =>
  (await deps.orders.timeline(orderId)).filter((e) => e.type === type);
const sent = (deps: TestDeps, kind: string, orderId: string) =>
  deps.notifier.sent.filter((s) => s.kind === kind && s.facts.orderId === orderId);

describe('downloads pinned to the version a check read', () => {
  it('ingest records the version it verified, and the designer download names it after an overwrite', async () => {
    // Prepare
    const deps = setup();
    const { orderId, file, body } = await submitted(deps);
    // Act: ingest checks the scan; then a later write replaces it (a still-valid upload URL).
    expect((await ingestOrder(deps, ids(orderId))).status).toBe('QUEUED');
    const checked = (await deps.orders.files(orderId)).find((f) => f.fileId === file.fileId);
    deps.files.objects.set(file.key, Buffer.alloc(body.length, 1));
    await awaitDesign(deps, { ...ids(orderId), taskToken: 't1' });
    await claimNext(deps, priya);
    const inputs = await inputsOf(deps, priya, orderId);
    // Assess: the recorded version holds the checked bytes, and the URL names exactly it.
    const versionId = checked?.check?.versionId as string;
    expect(versionId).toMatch(/^v\d+$/);
    expect(deps.files.versions.get(file.key)?.find((v) => v.versionId === versionId)?.body).toBe(body);
    expect(inputs.files[0]?.url).toBe(`memory://${file.key}?get&versionId=${versionId}`);
  });

  it('QA records the version of each design file, and the lab deliverable names it', async () => {
    const deps = setup();
    const { orderId, file, body } = await handedIn(deps);
    expect((await qaDesign(deps, ids(orderId))).passed).toBe(true);
    await deliverAndAwaitDecision(deps, { ...ids(orderId), taskToken: 'dec-1' });
    deps.files.objects.set(file.key, Buffer.alloc(body.length, 2));
    const versionId = (await deps.orders.files(orderId)).find((f) => f.fileId === file.fileId)?.check
      ?.versionId as string;
    expect(deps.files.versions.get(file.key)?.find((v) => v.versionId === versionId)?.body).toBe(body);
    const out = await deliverablesOf(deps, lab, orderId);
    expect(out.files[0]?.url).toBe(`memory://${file.key}?get&versionId=${versionId}`);
  });
});

describe('every workflow task can run again with a new token', () => {
  it('ingest: the same outcome, one QUEUED entry', async () => {
    const deps = setup();
    const { orderId } = await submitted(deps);
    const first = await ingestOrder(deps, ids(orderId));
    const again = await ingestOrder(deps, ids(orderId));
    expect(again).toEqual(first);
    expect(await entries(deps, orderId, 'QUEUED')).toHaveLength(1);
  });

  it('ingest cut off after its write: the re-run writes the missing entry and tells the lab of a rejection', async () => {
    const deps = setup();
    const { orderId, file } = await submitted(deps);
    deps.files.objects.set(file.key, Buffer.alloc(file.sizeBytes, 3));
    // The first run dies at its first follow-up (no notice, no entry).
    deps.orders.failing.add('addTimeline');
    const realNotify = deps.notifier.notify.bind(deps.notifier);
    deps.notifier.notify = async () => {
      throw new Error('killed');
    };
    await expect(ingestOrder(deps, ids(orderId))).rejects.toThrow();
    deps.orders.failing.delete('addTimeline');
    deps.notifier.notify = realNotify;
    expect(deps.orders.orders.get(orderId)?.status).toBe('REJECTED');
    // Act
    expect(await ingestOrder(deps, ids(orderId))).toEqual({ status: 'REJECTED', rejectedFiles: 1 });
    await ingestOrder(deps, ids(orderId));
    // Assess: one entry and one notice, however many re-runs.
    expect(await entries(deps, orderId, 'REJECTED')).toHaveLength(1);
    expect(sent(deps, 'order.rejected', orderId)).toHaveLength(1);
  });

  it('awaitDesign on a queued order: the new token is the one a hand-in completes', async () => {
    const deps = setup();
    const { orderId } = await submitted(deps);
    await ingestOrder(deps, ids(orderId));
    await awaitDesign(deps, { ...ids(orderId), taskToken: 'a1' });
    await claimNext(deps, priya);
    // A re-run after the claim: ASSIGNED, not an error.
    expect(await awaitDesign(deps, { ...ids(orderId), taskToken: 'a2' })).toEqual({ status: 'ASSIGNED' });
    expect(deps.orders.orders.get(orderId)?.designTaskToken).toBe('a2');
  });

  it('awaitDesign after a failed QA, killed after its write: the re-run records its token, no second entry', async () => {
    // Prepare: QA failed, the first awaitDesign moved QA → ASSIGNED and then died.
    const deps = setup();
    const { orderId } = await handedIn(deps, true);
    expect((await qaDesign(deps, ids(orderId))).passed).toBe(false);
    const first = await awaitDesign(deps, { ...ids(orderId), taskToken: 'qa-1' });
    // Act: the stand-in runs the task again with a new token.
    const again = await awaitDesign(deps, { ...ids(orderId), taskToken: 'qa-2' });
    // Assess: same outcome (before the fix: UnexpectedOrderStateError, the order STUCK).
    expect(again).toEqual(first);
    expect(deps.orders.orders.get(orderId)).toMatchObject({ status: 'ASSIGNED', designTaskToken: 'qa-2' });
    expect(await entries(deps, orderId, 'QA_FAILED')).toHaveLength(1);
    expect(sent(deps, 'design.qa-failed', orderId)).toHaveLength(1);
  });

  it('awaitDesign after a failed QA, killed before its timeline entry: the re-run writes it once', async () => {
    const deps = setup();
    const { orderId } = await handedIn(deps, true);
    await qaDesign(deps, ids(orderId));
    deps.orders.failing.add('addTimeline');
    await expect(awaitDesign(deps, { ...ids(orderId), taskToken: 'qa-1' })).rejects.toThrow();
    deps.orders.failing.delete('addTimeline');
    await awaitDesign(deps, { ...ids(orderId), taskToken: 'qa-2' });
    await awaitDesign(deps, { ...ids(orderId), taskToken: 'qa-3' });
    expect(deps.orders.orders.get(orderId)?.designTaskToken).toBe('qa-3');
    expect(await entries(deps, orderId, 'QA_FAILED')).toEqual([
      expect.objectContaining({ detail: { version: 1 } }),
    ]);
  });

  it('qaDesign: the same verdict, and the designer told once', async () => {
    const deps = setup();
    const { orderId } = await handedIn(deps, true);
    const first = await qaDesign(deps, ids(orderId));
    expect(await qaDesign(deps, ids(orderId))).toEqual(first);
    expect(sent(deps, 'design.qa-failed', orderId)).toHaveLength(1);
  });

  it('deliverAndAwaitDecision: the token replaced, one entry, one notice, the slot given back once', async () => {
    const deps = setup();
    deps.designers.add('priya', ['crown', 'bridge'], 2);
    const { orderId } = await handedIn(deps);
    await qaDesign(deps, ids(orderId));
    // Priya holds a second order, so a second release would show in her counter.
    const other = await submitted(deps);
    await ingestOrder(deps, ids(other.orderId));
    await awaitDesign(deps, { ...ids(other.orderId), taskToken: 'o1' });
    await claimNext(deps, priya);
    expect(deps.designers.all.get('priya')?.activeJobs).toBe(2);
    const first = await deliverAndAwaitDecision(deps, { ...ids(orderId), taskToken: 'd1' });
    const again = await deliverAndAwaitDecision(deps, { ...ids(orderId), taskToken: 'd2' });
    expect(again).toEqual(first);
    expect(deps.orders.orders.get(orderId)).toMatchObject({ status: 'DELIVERED', decisionTaskToken: 'd2' });
    expect(await entries(deps, orderId, 'DELIVERED')).toHaveLength(1);
    expect(sent(deps, 'order.delivered', orderId)).toHaveLength(1);
    expect(deps.designers.all.get('priya')?.activeJobs).toBe(1);
  });

  it('deliverAndAwaitDecision killed after its write: the re-run gives the slot back and tells the lab', async () => {
    const deps = setup();
    const { orderId } = await handedIn(deps);
    await qaDesign(deps, ids(orderId));
    const release = deps.designers.releaseSlot.bind(deps.designers);
    deps.designers.releaseSlot = async () => {
      throw new Error('killed');
    };
    await expect(deliverAndAwaitDecision(deps, { ...ids(orderId), taskToken: 'd1' })).rejects.toThrow();
    deps.designers.releaseSlot = release;
    await deliverAndAwaitDecision(deps, { ...ids(orderId), taskToken: 'd2' });
    await deliverAndAwaitDecision(deps, { ...ids(orderId), taskToken: 'd3' });
    expect(deps.designers.all.get('priya')?.activeJobs).toBe(0);
    expect(sent(deps, 'order.delivered', orderId)).toHaveLength(1);
    expect(await entries(deps, orderId, 'DELIVERED')).toHaveLength(1);
    expect(deps.orders.orders.get(orderId)?.decisionTaskToken).toBe('d3');
  });

  it('archiveOrder killed before its entry: the re-run writes it once, same outcome', async () => {
    const deps = setup();
    const { orderId } = await handedIn(deps);
    await qaDesign(deps, ids(orderId));
    await deliverAndAwaitDecision(deps, { ...ids(orderId), taskToken: 'd1' });
    await acceptDelivery(deps, lab, orderId);
    deps.orders.failing.add('addTimeline');
    await expect(archiveOrder(deps, ids(orderId))).rejects.toThrow();
    deps.orders.failing.delete('addTimeline');
    expect(await archiveOrder(deps, ids(orderId))).toEqual({ status: 'ARCHIVED' });
    expect(await archiveOrder(deps, ids(orderId))).toEqual({ status: 'ARCHIVED' });
    expect(await entries(deps, orderId, 'ARCHIVED')).toHaveLength(1);
  });
});

describe('QA and ingest share one file check: a storage fault is retried, not a verdict', () => {
  /** A read that yields some bytes and then loses the connection, as S3 streams can. */
  const failingRead = (deps: TestDeps) => {
    const read = deps.files.read.bind(deps.files);
    return vi.spyOn(deps.files, 'read').mockImplementation(async function* (key, versionId) {
      for await (const chunk of read(key, versionId)) {
        yield new Uint8Array(chunk.subarray(0, 10));
        throw Object.assign(new Error('socket hang up'), { name: 'ECONNRESET' });
      }
    });
  };

  it('qaDesign: a read cut off mid-stream throws TransientError and changes nothing; the retry passes', async () => {
    // Prepare
    const deps = setup();
    const { orderId } = await handedIn(deps);
    const spy = failingRead(deps);
    // Act
    const failed = await qaDesign(deps, ids(orderId)).catch((e: unknown) => e);
    // Assess: the name the workflow's Retry matches, the SDK error kept as the cause, no verdict.
    expect(failed).toBeInstanceOf(TransientError);
    expect(failed).toMatchObject({ name: 'TransientError', cause: { name: 'ECONNRESET' } });
    const order = await deps.orders.get(orderId);
    expect(order?.status).toBe('QA');
    expect(order?.qaProblems).toBeUndefined();
    expect(sent(deps, 'design.qa-failed', orderId)).toHaveLength(0);
    spy.mockRestore();
    expect((await qaDesign(deps, ids(orderId))).passed).toBe(true);
  });

  it('qaDesign: a HEAD that fails throws TransientError, not "never uploaded"', async () => {
    const deps = setup();
    const { orderId } = await handedIn(deps);
    vi.spyOn(deps.files, 'head').mockRejectedValueOnce(
      Object.assign(new Error('slow down'), { name: 'SlowDown' }),
    );
    await expect(qaDesign(deps, ids(orderId))).rejects.toBeInstanceOf(TransientError);
    expect((await deps.orders.get(orderId))?.qaProblems).toBeUndefined();
  });

  it('ingestOrder: the same fault throws the same named error, and the order stays SUBMITTED', async () => {
    const deps = setup();
    const { orderId } = await submitted(deps);
    failingRead(deps);
    await expect(ingestOrder(deps, ids(orderId))).rejects.toMatchObject({ name: 'TransientError' });
    expect((await deps.orders.get(orderId))?.status).toBe('SUBMITTED');
  });

  it('qaDesign now checks the declared size and SHA-256 of the design report too', async () => {
    // Prepare: a hand-in of a good mesh and a PDF whose stored bytes are not the ones declared.
    const deps = setup();
    const { orderId } = await submitted(deps);
    await ingestOrder(deps, ids(orderId));
    await awaitDesign(deps, { ...ids(orderId), taskToken: `tok-${orderId}-1` });
    await claimNext(deps, priya);
    const mesh = meshBytes('stl-binary', { triangles: 20, seed: ++n });
    const declared = Buffer.from('%PDF-1.7 the report as declared');
    const stored = Buffer.from('%PDF-1.7 a different report!!!!');
    for (const [name, body, bytes] of [
      ['d.stl', mesh, mesh],
      ['report.pdf', declared, stored],
    ] as const) {
      const out = await declareOutput(deps, priya, orderId, {
        name,
        sizeBytes: body.length,
        sha256: sha256(body),
      });
      const file = (await deps.orders.files(orderId)).find((f) => f.fileId === out.fileId) as OrderFile;
      deps.files.objects.set(file.key, bytes);
    }
    await submitDesign(deps, priya, orderId);
    // Act
    const verdict = await qaDesign(deps, ids(orderId));
    // Assess
    expect(verdict.passed).toBe(false);
    const check = (await deps.orders.files(orderId)).find((f) => f.format === 'pdf')?.check;
    expect(check).toMatchObject({ ok: false, problem: expect.stringMatching(/SHA-256/) });
  });
});
