/** Orders and executions kept in step: the watchdog, STUCK with an alert, an operator's resume, one submit. */
import { describe, expect, it } from 'vitest';
import { claimNext } from '../../lambdas/domain/design/claim';
import { awaitDesign } from '../../lambdas/domain/design/workflow-tasks';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { createOrder } from '../../lambdas/domain/orders/create';
import { submitOrder } from '../../lambdas/domain/orders/submit';
import { markStuck, resumeOrder, sweepWorkflows, WATCH_RECHECK_MINUTES } from '../../lambdas/domain/recovery';
import { makeCreateOrderRequest } from '../support/factories';
import { makeActor, makeDesignDeps, makeDesigner } from '../support/fakes';
import { meshBytes } from '../support/mesh-factory';

const lab = makeActor();
const priya = makeDesigner('priya');
const omar = makeActor({
  sub: 'omar',
  username: 'operator.omar',
  roles: ['operator'],
  accountId: 'caseline',
});

const setup = () => makeDesignDeps({ priya: { skills: ['crown', 'bridge'] } });
type Setup = ReturnType<typeof setup>;

let n = 0;
/** A submitted order (its execution RUNNING in the fake), moved on to QUEUED and waiting for a design. */
const submitted = async (deps: Setup) => {
  const { orderId } = await createOrder(
    deps,
    lab,
    parseCreateOrder(makeCreateOrderRequest({ caseRef: `R-${++n}` })),
  );
  const scan = meshBytes('stl-binary', { triangles: 20, seed: ++n });
  const key = `accounts/lab-acme/orders/${orderId}/inputs/fil_${n}.stl`;
  await deps.orders.addFile({
    orderId,
    accountId: 'lab-acme',
    fileId: `fil_${n}`,
    role: 'input',
    format: 'stl',
    nameCipher: 'x',
    sizeBytes: scan.length,
    sha256: 'a'.repeat(64),
    key,
    declaredAt: deps.clock.now().toISOString(),
    upload: { mode: 'single' },
  });
  deps.files.objects.set(key, scan);
  await submitOrder(deps, lab, orderId);
  return orderId;
};

const queued = async (deps: Setup) => {
  const orderId = await submitted(deps);
  await deps.orders.transition(orderId, ['SUBMITTED'], { status: 'QUEUED' }, { indexes: { pending: null } });
  await awaitDesign(deps, { orderId, accountId: 'lab-acme', taskToken: `tok-${orderId}` });
  return orderId;
};

const laterBy = (deps: Setup, minutes: number) => deps.clock.advance(minutes * 60_000);

describe('the watchdog', () => {
  it('sets aside an order whose execution stopped, whatever its status, and gives the slot back', async () => {
    // Prepare: one order held by a designer, its execution stopped behind its back.
    const deps = setup();
    const orderId = await queued(deps);
    await claimNext(deps, priya);
    deps.workflow.executions.set(`${orderId}-intake`, 'ABORTED');
    laterBy(deps, WATCH_RECHECK_MINUTES + 1);
    // Act
    const result = await sweepWorkflows(deps);
    // Assess
    expect(result).toMatchObject({ checked: 1, stuck: 1, failed: 0 });
    expect(deps.orders.orders.get(orderId)).toMatchObject({ status: 'STUCK', resumeFrom: 'QUEUED' });
    expect(deps.designers.all.get('priya')?.activeJobs).toBe(0);
    expect(deps.orders.indexes.get(orderId)?.watch).toBeNull();
    const alert = deps.notifier.sent.find((m) => m.kind.startsWith('alert:Order stuck'));
    expect(alert?.facts).toMatchObject({ orderId, errorName: 'ExecutionAborted', status: 'ASSIGNED' });
  });

  it('leaves orders with a running execution alone, and looks at each again only after the recheck interval', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    laterBy(deps, WATCH_RECHECK_MINUTES + 1);
    expect(await sweepWorkflows(deps)).toEqual({ checked: 1, stuck: 0, failed: 0 });
    expect(await sweepWorkflows(deps)).toEqual({ checked: 0, stuck: 0, failed: 0 });
    expect(deps.orders.orders.get(orderId)?.status).toBe('QUEUED');
  });

  it('gives a submit whose execution never started the intake timeout before setting it aside', async () => {
    const deps = setup();
    const orderId = await submitted(deps);
    deps.workflow.executions.delete(`${orderId}-intake`);
    laterBy(deps, WATCH_RECHECK_MINUTES + 1);
    expect((await sweepWorkflows(deps)).stuck).toBe(0);
    laterBy(deps, 15);
    expect((await sweepWorkflows(deps)).stuck).toBe(1);
    expect(deps.orders.orders.get(orderId)).toMatchObject({ status: 'STUCK', resumeFrom: 'SUBMITTED' });
  });

  it('never strands an order that moved on while its execution was being checked', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    laterBy(deps, WATCH_RECHECK_MINUTES + 1);
    deps.workflow.executions.set(`${orderId}-intake`, 'SUCCEEDED');
    // The order changes between the watchdog's read and its write (the workflow finished with it).
    const original = deps.workflow.executionStatus.bind(deps.workflow);
    deps.workflow.executionStatus = async (name: string) => {
      await deps.orders.transition(orderId, ['QUEUED'], { updatedAt: 'later' });
      return original(name);
    };
    expect((await sweepWorkflows(deps)).stuck).toBe(0);
    expect(deps.orders.orders.get(orderId)?.status).toBe('QUEUED');
  });

  it('reads the watch index, never every order: closed orders leave it', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    await deps.orders.transition(orderId, ['QUEUED'], { status: 'CANCELLED' });
    laterBy(deps, WATCH_RECHECK_MINUTES + 1);
    expect((await sweepWorkflows(deps)).checked).toBe(1);
    expect(deps.orders.indexes.get(orderId)?.watch).toBeNull();
    expect((await sweepWorkflows(deps)).checked).toBe(0);
  });
});

describe('a workflow failure (MarkStuck)', () => {
  it("sets the order aside, gives a held designer's slot back and alerts", async () => {
    const deps = setup();
    const orderId = await queued(deps);
    await claimNext(deps, priya);
    expect(await markStuck(deps, { orderId, accountId: 'lab-acme', errorName: 'States.Timeout' })).toEqual({
      status: 'STUCK',
    });
    expect(deps.orders.orders.get(orderId)).toMatchObject({ closedReason: 'PROCESSING_FAILED' });
    expect(deps.designers.all.get('priya')?.activeJobs).toBe(0);
    expect(deps.notifier.sent.some((m) => m.kind.startsWith('alert:') && m.facts.orderId === orderId)).toBe(
      true,
    );
  });
});

describe("an operator's resume", () => {
  const stuck = async (deps: Setup) => {
    const orderId = await queued(deps);
    await claimNext(deps, priya);
    deps.workflow.executions.set(`${orderId}-intake`, 'ABORTED');
    laterBy(deps, WATCH_RECHECK_MINUTES + 1);
    await sweepWorkflows(deps);
    return orderId;
  };

  it('puts the order back in its last good status with one new execution, however often clicked', async () => {
    // Prepare
    const deps = setup();
    const orderId = await stuck(deps);
    // Act: a double click.
    const [first, second] = await Promise.all([
      resumeOrder(deps, omar, orderId),
      resumeOrder(deps, omar, orderId),
    ]);
    const third = await resumeOrder(deps, omar, orderId);
    // Assess
    expect([first, second, third].filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set([first.executionArn, second.executionArn, third.executionArn]).size).toBe(1);
    const resumes = [...deps.workflow.started.keys()].filter((k) => k.includes('-resume-'));
    expect(resumes).toEqual([
      `${orderId}-resume-1|${JSON.stringify({ orderId, accountId: 'lab-acme', resumeFrom: 'QUEUED' })}`,
    ]);
    const order = deps.orders.orders.get(orderId);
    expect(order).toMatchObject({ status: 'QUEUED', resumeCount: 1, executionName: `${orderId}-resume-1` });
    expect(order?.closedReason).toBeUndefined();
    expect(deps.orders.indexes.get(orderId)?.watch).not.toBeNull();
    // Both clicks that found the order STUCK were audited; the one that lost the race started nothing.
    expect(deps.audit.events.filter((e) => e.action === 'order.resume')).toHaveLength(2);
    // The new execution's design wait puts it back in the queue, and a designer gets it.
    await awaitDesign(deps, { orderId, accountId: 'lab-acme', taskToken: 'tok-resumed' });
    expect((await claimNext(deps, priya))?.orderId).toBe(orderId);
  });

  it('leaves the order STUCK exactly as it was when the execution cannot be started', async () => {
    const deps = setup();
    const orderId = await stuck(deps);
    const before = structuredClone(deps.orders.orders.get(orderId));
    deps.workflow.failNext.set('start', new Error('ECONNREFUSED'));
    await expect(resumeOrder(deps, omar, orderId)).rejects.toMatchObject({ name: 'ServiceUnavailableError' });
    expect(deps.orders.orders.get(orderId)).toEqual(before);
    expect(deps.orders.indexes.get(orderId)?.pending?.name).toBe('PURGE');
    expect((await resumeOrder(deps, omar, orderId)).duplicate).toBe(false);
  });

  it('is only for STUCK orders', async () => {
    const deps = setup();
    const orderId = await queued(deps);
    await expect(resumeOrder(deps, omar, orderId)).rejects.toMatchObject({ code: 'NOT_STUCK' });
    await expect(resumeOrder(deps, omar, 'ord_missing')).rejects.toMatchObject({ name: 'NotFoundError' });
  });
});

describe('submit', () => {
  it('answers duplicate: false to exactly one of 20 concurrent submits', async () => {
    const deps = setup();
    const { orderId } = await createOrder(
      deps,
      lab,
      parseCreateOrder(makeCreateOrderRequest({ caseRef: 'R-concurrent' })),
    );
    const key = `accounts/lab-acme/orders/${orderId}/inputs/fil_c.stl`;
    await deps.orders.addFile({
      orderId,
      accountId: 'lab-acme',
      fileId: 'fil_c',
      role: 'input',
      format: 'stl',
      nameCipher: 'x',
      sizeBytes: 3,
      sha256: 'b'.repeat(64),
      key,
      declaredAt: deps.clock.now().toISOString(),
      upload: { mode: 'single' },
    });
    deps.files.objects.set(key, Buffer.from('abc'));
    const results = await Promise.all(Array.from({ length: 20 }, () => submitOrder(deps, lab, orderId)));
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(new Set(results.map((r) => r.executionArn)).size).toBe(1);
  });
});
