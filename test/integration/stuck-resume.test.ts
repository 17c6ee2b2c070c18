/**
 * Faults and lost task tokens over the wire: a KMS key disabled under a revision, executions
 * stopped behind an order's back (its task token lost), the watchdog, an operator's resume, and
 * concurrent submits. This file runs its own local stack: it disables a key and moves the clock.
 */
import { DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountKeyAlias, localTableName } from '../../common/definitions';
import { S3_CREDENTIALS } from '../../local/s3';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, eventually } from '../support/api';
import { claim, draftOrder, handIn, queuedOrder, viewOf, waitForStatus } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';

let stack: LocalStack;
let api: Api;
let ddb: ReturnType<typeof localDocumentClient>;
let sfn: SFNClient;
let kms: KMSClient;

const accountKeyArn = async (accountId: string) => {
  const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: accountKeyAlias(accountId) }));
  return KeyMetadata?.Arn ?? '';
};

const client = { region: 'us-east-1', credentials: { ...S3_CREDENTIALS } };

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0, ArchiveOrder: 0 },
  });
  api = new Api(stack.apiUrl);
  ddb = localDocumentClient(stack.endpoints.dynamodb);
  sfn = new SFNClient({ ...client, endpoint: stack.endpoints.sfn });
  kms = new KMSClient({ ...client, endpoint: stack.endpoints.kms });
});

afterAll(async () => {
  ddb?.destroy();
  sfn?.destroy();
  kms?.destroy();
  await stack?.stop();
});

/** The order's record as stored, index attributes included: what "exactly as it was" compares. */
const storedOrder = async (orderId: string) =>
  (
    await ddb.send(
      new GetCommand({
        TableName: localTableName('orders'),
        Key: { pk: `ORDER#${orderId}`, sk: 'META' },
        ConsistentRead: true,
      }),
    )
  ).Item;

const activeJobs = async (designerId: string) =>
  Number(
    (
      await ddb.send(
        new GetCommand({
          TableName: localTableName('designers'),
          Key: { designerId },
          ConsistentRead: true,
        }),
      )
    ).Item?.activeJobs,
  );

/** Loses an order's task token the way an outage would: its execution is stopped. */
const stopExecution = async (name: string) => {
  const machine = stack.env.ORDER_WORKFLOW_ARN ?? '';
  await sfn.send(
    new StopExecutionCommand({
      executionArn: `${machine.replace(':stateMachine:', ':execution:')}:${name}`,
      error: 'FaultInjected',
    }),
  );
};

const alerts = async () =>
  (await api.call<{ message: string }[]>('GET', '/local/outbox?topic=caseline-operator-alerts')).body.map(
    (m) => m.message,
  );

/** A delivered order: claimed by priya, handed in, QA passed, waiting for the lab's decision. */
const deliveredOrder = async () => {
  const { orderId } = await queuedOrder(api);
  await claimUntil(orderId);
  await handIn(api, 'designer.priya', orderId);
  await waitForStatus(api, orderId, ['DELIVERED']);
  // The decision token is stored with the delivery, in the same write.
  return orderId;
};

/**
 * Claims until the queue hands over this order (one ahead is released again). Each test leaves
 * what it claimed held, so nothing it leaves behind gets ahead of the next test's order.
 */
const claimUntil = async (orderId: string, as = 'designer.priya') =>
  eventually(async () => {
    const got = await claim(api, as);
    if (got.orderId === orderId) return got;
    await api.call('POST', `/assignments/${got.orderId}/release`, { as });
    return undefined;
  });

describe('a revision while KMS fails', () => {
  it('changes nothing, answers a retryable 503, and succeeds once the key is back', async () => {
    // Prepare
    const orderId = await deliveredOrder();
    const before = await storedOrder(orderId);
    // lab-acme's own key: its PHI fields are under it.
    const keyId = await accountKeyArn('lab-acme');
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    // Act
    let failed: Awaited<ReturnType<Api['call']>>;
    try {
      failed = await api.call('POST', `/orders/${orderId}/revisions`, {
        as: 'lab.acme',
        body: { reason: 'contacts', comment: 'Open the distal contact a little.' },
      });
    } finally {
      await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    }
    // Assess: the order, its token and its indexes exactly as before; a retry goes through.
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(await storedOrder(orderId)).toEqual(before);
    const retried = await api.call('POST', `/orders/${orderId}/revisions`, {
      as: 'lab.acme',
      body: { reason: 'contacts', comment: 'Open the distal contact a little.' },
    });
    expect(retried.status).toBe(202);
    // The workflow took the revision: the order is back in the queue, offered to its designer.
    const assignment = await claimUntil(orderId);
    expect((assignment as unknown as { notes: string }).notes).toContain('Revision 1 (contacts)');
  });
});

describe('a claim while KMS fails', () => {
  it('is undone: the order back in its lane exactly as it was, the slot given back; a retry gets it', async () => {
    // Prepare
    const { orderId } = await queuedOrder(api);
    // lab-acme's own key: its PHI fields are under it.
    const keyId = await accountKeyArn('lab-acme');
    // The queue index entry is only written by the design wait: wait for it before comparing.
    await eventually(async () => ((await storedOrder(orderId))?.gsi3pk ? true : undefined));
    const before = await storedOrder(orderId);
    const jobsBefore = await activeJobs('u-des-marco');
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    // Act: the claim takes the order, then cannot decrypt the assignment view.
    let failed: Awaited<ReturnType<Api['call']>>;
    try {
      failed = await api.call('POST', '/queue/claim', { as: 'designer.marco' });
    } finally {
      await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    }
    // Assess
    expect(failed.status).toBe(503);
    expect(await storedOrder(orderId)).toEqual(before);
    expect(await activeJobs('u-des-marco')).toBe(jobsBefore);
    expect((await claimUntil(orderId, 'designer.marco')).orderId).toBe(orderId);
    expect(await activeJobs('u-des-marco')).toBe(jobsBefore + 1);
  });
});

describe('a lost task token', () => {
  it('on hand-in: the order goes STUCK at once with an alert, the slot is given back, an operator resumes it', async () => {
    // Prepare: priya holds the order; its execution is stopped, so its design token is lost.
    const { orderId } = await queuedOrder(api);
    const jobsBefore = await activeJobs('u-des-priya');
    await claimUntil(orderId);
    expect(await activeJobs('u-des-priya')).toBe(jobsBefore + 1);
    await stopExecution(`${orderId}-intake`);
    // Act
    const handedIn = await handIn(api, 'designer.priya', orderId);
    // Assess: a clear refusal, not a silent 202.
    expect(handedIn.status).toBe(409);
    expect(handedIn.body).toMatchObject({ code: 'ORDER_STUCK' });
    expect((await viewOf(api, orderId)).status).toBe('STUCK');
    expect(await activeJobs('u-des-priya')).toBe(jobsBefore);
    expect((await alerts()).some((m) => m.includes(orderId) && m.includes('TaskTimedOut'))).toBe(true);

    // Act: an operator resumes it; a double click starts one execution.
    const [first, second] = await Promise.all([
      api.call<{ executionArn: string; duplicate: boolean; status: string }>(
        'POST',
        `/orders/${orderId}/resume`,
        { as: 'operator.omar' },
      ),
      api.call<{ executionArn: string; duplicate: boolean }>('POST', `/orders/${orderId}/resume`, {
        as: 'operator.omar',
      }),
    ]);
    // Assess
    expect([first.status, second.status].sort()).toEqual([200, 202]);
    expect(first.body.executionArn).toBe(second.body.executionArn);
    expect(first.body.executionArn).toMatch(new RegExp(`:${orderId}-resume-1$`));
    // The resumed order runs to the end: queued, claimed, handed in, delivered, accepted, archived.
    await claimUntil(orderId);
    expect((await handIn(api, 'designer.priya', orderId, { seed: 2 })).status).toBe(202);
    await waitForStatus(api, orderId, ['DELIVERED']);
    expect((await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' })).status).toBe(200);
    await waitForStatus(api, orderId, ['ARCHIVED']);
    // The archive writes its timeline entry just after the status.
    const types = await eventually(async () => {
      const view = await viewOf<{ timeline: { type: string }[] }>(api, orderId);
      const seen = view.timeline.map((t) => t.type);
      return seen.includes('ARCHIVED') ? seen : undefined;
    });
    expect(types).toEqual(expect.arrayContaining(['STUCK', 'RESUMED', 'ARCHIVED']));
  });

  it('on accept: STUCK with an alert; the resume archives the accepted order', async () => {
    const orderId = await deliveredOrder();
    await stopExecution(`${orderId}-intake`);
    const accepted = await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' });
    expect(accepted.status).toBe(409);
    expect(accepted.body).toMatchObject({ code: 'ORDER_STUCK' });
    // Accepted before the token was refused: the resume archives it.
    expect((await api.call('POST', `/orders/${orderId}/resume`, { as: 'operator.omar' })).status).toBe(202);
    await waitForStatus(api, orderId, ['ARCHIVED']);
  });

  it('found by the watchdog when no action touches the order: STUCK and an alert', async () => {
    // Prepare: a queued order nobody claims; its execution stops.
    const { orderId } = await queuedOrder(api);
    await stopExecution(`${orderId}-intake`);
    // Act: the watchdog runs when the clock passes its recheck interval.
    await api.call('POST', '/local/clock/advance', { as: 'operator.omar', body: { minutes: 6 } });
    await api.call('POST', '/local/jobs/intakeWatchdog', { as: 'operator.omar' });
    // Assess
    await waitForStatus(api, orderId, ['STUCK']);
    expect((await alerts()).some((m) => m.includes(orderId) && m.includes('ExecutionAborted'))).toBe(true);
    const stored = await storedOrder(orderId);
    expect(stored).not.toHaveProperty('gsi3pk');
    expect(stored).not.toHaveProperty('gsi6pk');
    // Only operators may resume.
    expect((await api.call('POST', `/orders/${orderId}/resume`, { as: 'lab.acme' })).status).toBe(403);
    expect((await api.call('POST', `/orders/${orderId}/resume`, { as: 'operator.omar' })).status).toBe(202);
    await claimUntil(orderId);
  });
});

describe('a delivered order whose execution stopped', () => {
  it('is resumed to wait for the lab again: a new decision token, then accept and archive', async () => {
    // Prepare
    const orderId = await deliveredOrder();
    await stopExecution(`${orderId}-intake`);
    await api.call('POST', '/local/clock/advance', { as: 'operator.omar', body: { minutes: 6 } });
    await api.call('POST', '/local/jobs/intakeWatchdog', { as: 'operator.omar' });
    await waitForStatus(api, orderId, ['STUCK']);
    // Act
    const resumed = await api.call<{ status: string }>('POST', `/orders/${orderId}/resume`, {
      as: 'operator.omar',
    });
    // Assess: DELIVERED again; the accept reaches the new execution, which archives it.
    expect(resumed.body.status).toBe('DELIVERED');
    const accepted = await eventually(async () => {
      const res = await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' });
      // 409 NOT_WAITING until the new execution's wait has stored its token.
      return res.status === 200 ? res : undefined;
    });
    expect(accepted.status).toBe(200);
    await waitForStatus(api, orderId, ['ARCHIVED']);
  });
});

describe('concurrent submits', () => {
  it('answer duplicate: false exactly once', async () => {
    const { orderId } = await draftOrder(api);
    const token = await api.token('lab.acme');
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api.call<{ duplicate: boolean; executionArn: string }>('POST', `/orders/${orderId}/submit`, {
          token,
        }),
      ),
    );
    expect(results.map((r) => r.status).every((s) => s === 202 || s === 200)).toBe(true);
    expect(results.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.executionArn)).size).toBe(1);
  });
});
