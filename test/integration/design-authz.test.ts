/**
 * Who may do what in the design half of the workflow, route by route and actor by actor, over
 * HTTP against an own local stack (it drains the queue, which would disturb the shared stack).
 *
 * The rules: a wrong role is a 403; the right role on an order that is not yours (another
 * designer's assignment, another lab's order) is a 404 that reads exactly like a missing order
 * and leaves a DENIED audit event on the owning account; the holder or owner gets a 2xx.
 * Refused attempts on mutating routes come before the legitimate call and leave the order as it was.
 */
import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTableName } from '../../common/definitions';
import { seedUser } from '../../local/seed';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, type ApiResponse, eventually, putPresigned, sha256Hex } from '../support/api';
import { claim, handIn, queuedOrder, waitForStatus } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';
import { meshBytes } from '../support/mesh-factory';

type ActorName = 'lab.acme' | 'lab.bright' | 'designer.priya' | 'designer.marco' | 'officer.olivia';
type Route =
  | 'POST /queue/claim'
  | 'GET /assignments'
  | 'GET /assignments/{orderId}'
  | 'POST /assignments/{orderId}/heartbeat'
  | 'GET /assignments/{orderId}/inputs'
  | 'POST /assignments/{orderId}/uploads'
  | 'POST /assignments/{orderId}/submit'
  | 'POST /assignments/{orderId}/release'
  | 'GET /orders/{orderId}'
  | 'GET /orders/{orderId}/deliverables'
  | 'GET /orders/{orderId}/inputs'
  | 'POST /orders/{orderId}/accept'
  | 'POST /orders/{orderId}/revisions';
type Row = [route: Route, actor: ActorName, status: number];
type Item = Record<string, unknown>;

/** The orders the matrix works on, all lab.acme's, built once. */
interface Orders {
  /** ASSIGNED to priya: every assignment route, ending with her upload and hand-in. */
  work: string;
  /** ASSIGNED to priya: release. */
  spare: string;
  /** DELIVERED: deliverables, then a revision. */
  revise: string;
  /** DELIVERED: accept. */
  accept: string;
}

let stack: LocalStack;
let api: Api;
let ddb: DynamoDBDocumentClient;
let orders: Orders;
/** The scan lab.acme uploaded to `work`, which only priya may download. */
let workScan: Buffer;
/** The design priya uploads to `work` (and the others try to declare). */
const design = meshBytes('stl-binary', { triangles: 300, seed: 77 });

const sub = (actor: ActorName) => {
  const user = seedUser(actor);
  if (!user) throw new Error(`no seeded user ${actor}`);
  return user.sub;
};

const queryAll = async (table: string, pk: string) => {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};

/** Every audit event on lab.acme's account: attempts on its orders land there, whoever made them. */
const acmeAudit = () => queryAll(localTableName('audit'), 'ACCOUNT#lab-acme');

/** Everything stored under the order: its record, its files, its timeline. */
const snapshot = (orderId: string) => queryAll(localTableName('orders'), `ORDER#${orderId}`);

const orderRecord = async (orderId: string) =>
  (await snapshot(orderId)).find((item) => item.sk === 'META') ?? {};

/** Waits until the delivered order holds the token of the lab's decision (accept/revise need it). */
const waitForDecision = (orderId: string) =>
  eventually(async () => ((await orderRecord(orderId)).decisionTaskToken ? true : undefined), 10_000);

/** An id of the right shape that no order has. */
const ghostId = () => `ord_${'0'.repeat(12)}${randomBytes(8).toString('hex')}`;

const bodyOf = (route: Route): unknown => {
  if (route === 'POST /assignments/{orderId}/uploads')
    return { name: 'crown-36.stl', sizeBytes: design.length, sha256: sha256Hex(design) };
  if (route === 'POST /orders/{orderId}/revisions')
    return { reason: 'contacts', comment: 'Open the distal contact slightly.' };
  return undefined;
};

const call = (route: Route, orderId: string, actor: ActorName) => {
  const [method = 'GET', path = '/'] = route.split(' ');
  const body = bodyOf(route);
  return api.call<Item>(method, path.replace('{orderId}', orderId), {
    as: actor,
    ...(body === undefined ? {} : { body }),
  });
};

/** A refusal body with its order id and request id taken out, to compare two refusals. */
const normalised = (res: ApiResponse<Item>, orderId: string) => {
  const { requestId: _requestId, ...rest } = res.body;
  return JSON.parse(JSON.stringify(rest).replaceAll(orderId, '<orderId>')) as Item;
};

/** What the legitimate call must have done, beyond its status. */
const afterAllowed: Partial<Record<Route, (res: ApiResponse<Item>, orderId: string) => Promise<void>>> = {
  'GET /assignments/{orderId}': async (res, orderId) => {
    expect(res.body).toMatchObject({ orderId, status: 'ASSIGNED', patientRef: expect.any(String) });
    expect(res.body).not.toHaveProperty('caseRef');
  },
  'POST /assignments/{orderId}/heartbeat': async (res, orderId) => {
    expect((await orderRecord(orderId)).leaseExpiresAt).toBe(res.body.leaseExpiresAt);
  },
  'GET /assignments/{orderId}/inputs': async (res) => {
    const files = res.body.files as { url: string }[];
    expect(files).toHaveLength(1);
    const downloaded = Buffer.from(await (await fetch(files[0]?.url ?? '')).arrayBuffer());
    expect(downloaded.equals(workScan)).toBe(true);
  },
  'POST /assignments/{orderId}/uploads': async (res) => {
    expect(res.body).toMatchObject({ version: 1, upload: { method: 'PUT' } });
    const upload = res.body.upload as { url: string; headers: Record<string, string> };
    expect((await putPresigned(upload, design)).status).toBe(200);
  },
  'POST /assignments/{orderId}/submit': async (res, orderId) => {
    expect(res.body).toEqual({ orderId, status: 'QA', version: 1 });
    // QA passes and the lab is asked to decide: nothing of the workflow is left half-done at stop.
    await waitForStatus(api, orderId, ['DELIVERED']);
    await waitForDecision(orderId);
  },
  'POST /assignments/{orderId}/release': async (res, orderId) => {
    expect(res.body).toEqual({ orderId, status: 'QUEUED' });
    expect((await orderRecord(orderId)).assignee).toBeUndefined();
  },
  'GET /orders/{orderId}': async (res, orderId) => {
    expect(res.body).toMatchObject({ orderId, status: 'ASSIGNED' });
  },
  'GET /orders/{orderId}/deliverables': async (res, orderId) => {
    expect(res.body).toMatchObject({ orderId, version: 1, status: 'DELIVERED' });
    expect((res.body.files as { format: string }[]).map((f) => f.format).sort()).toEqual(['pdf', 'stl']);
  },
  'GET /orders/{orderId}/inputs': async (res, orderId) => {
    // The lab's one scan, pinned to the version ingest checked.
    expect(res.body).toMatchObject({ orderId });
    const files = res.body.files as { format: string; url: string }[];
    expect(files.map((f) => f.format)).toEqual(['stl']);
    expect(new URL(files[0]?.url ?? '').searchParams.get('versionId')).toBeTruthy();
  },
  'POST /orders/{orderId}/accept': async (res, orderId) => {
    expect(res.body).toEqual({ orderId, status: 'ACCEPTED' });
    await waitForStatus(api, orderId, ['ARCHIVED']);
  },
  'POST /orders/{orderId}/revisions': async (res, orderId) => {
    expect(res.body).toEqual({ orderId, status: 'QUEUED', revision: 1 });
    // Back in the queue, offered to priya, with the workflow waiting for the new design.
    await eventually(async () => {
      const order = await orderRecord(orderId);
      return order.designTaskToken && order.offerTo === sub('designer.priya') ? order : undefined;
    }, 10_000);
  },
};

/** One row: the status, and for a refusal, the audit trail and the order left exactly as they were. */
const check = async (route: Route, actor: ActorName, expected: number, orderId: string) => {
  const before = await snapshot(orderId);
  const auditBefore = new Set((await acmeAudit()).map((e) => e.eventId));
  const res = await call(route, orderId, actor);
  expect(res.status).toBe(expected);
  const fresh = (await acmeAudit()).filter((e) => !auditBefore.has(e.eventId));
  if (expected >= 400) {
    expect(await snapshot(orderId)).toEqual(before);
    expect(fresh.filter((e) => e.outcome === 'ALLOWED')).toEqual([]);
  }
  if (expected === 403) {
    expect(res.body).toMatchObject({ code: 'FORBIDDEN' });
  }
  if (expected === 404) {
    expect(fresh.filter((e) => e.outcome === 'DENIED')).toEqual([
      expect.objectContaining({
        orderId,
        outcome: 'DENIED',
        actorSub: sub(actor),
        reason: actor.startsWith('lab.') ? 'NOT_OWNER' : 'NOT_ASSIGNEE',
      }),
    ]);
    expect(res.body).toMatchObject({ code: 'NOT_FOUND' });
    // Indistinguishable from an order that does not exist.
    const ghost = ghostId();
    const missing = await call(route, ghost, actor);
    expect(missing.status).toBe(404);
    expect(normalised(missing, ghost)).toEqual(normalised(res, orderId));
  }
  if (expected < 300) await afterAllowed[route]?.(res, orderId);
};

const matrix = (subject: () => string, rows: Row[]) =>
  it.each<Row>(rows)('%s as %s → %i', (route, actor, expected) => check(route, actor, expected, subject()));

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0 },
  });
  api = new Api(stack.apiUrl);
  ddb = localDocumentClient(stack.endpoints.dynamodb);
  const queued = await Promise.all([queuedOrder(api), queuedOrder(api), queuedOrder(api), queuedOrder(api)]);
  // Two orders are designed and delivered first; that frees priya's slots for the two she then holds.
  const delivered: string[] = [];
  for (let i = 0; i < 2; i++) delivered.push((await claim(api, 'designer.priya')).orderId);
  await Promise.all(
    delivered.map(async (orderId, i) => {
      const handedIn = await handIn(api, 'designer.priya', orderId, { seed: 10 + i });
      expect(handedIn.status).toBe(202);
      await waitForStatus(api, orderId, ['DELIVERED']);
      await waitForDecision(orderId);
    }),
  );
  const work = await claim(api, 'designer.priya');
  const spare = await claim(api, 'designer.priya');
  const [revise = '', accept = ''] = delivered;
  orders = { work: work.orderId, spare: spare.orderId, revise, accept };
  const scan = queued.find((q) => q.orderId === orders.work)?.scan;
  if (!scan) throw new Error('priya holds an order this file did not create');
  workScan = scan;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the design routes, by actor', () => {
  describe('claiming from the queue (priya holds two orders, the queue is empty)', () => {
    matrix(
      () => orders.work,
      [
        ['POST /queue/claim', 'lab.acme', 403],
        ['POST /queue/claim', 'lab.bright', 403],
        ['POST /queue/claim', 'officer.olivia', 403],
        ['POST /queue/claim', 'designer.marco', 204],
        ['POST /queue/claim', 'designer.priya', 204],
      ],
    );
  });

  describe('reading an order ASSIGNED to priya', () => {
    matrix(
      () => orders.work,
      [
        ['GET /assignments', 'lab.acme', 403],
        ['GET /assignments', 'lab.bright', 403],
        ['GET /assignments', 'officer.olivia', 403],
        ['GET /assignments', 'designer.marco', 200],
        ['GET /assignments', 'designer.priya', 200],
        ['GET /assignments/{orderId}', 'lab.acme', 403],
        ['GET /assignments/{orderId}', 'lab.bright', 403],
        ['GET /assignments/{orderId}', 'officer.olivia', 403],
        ['GET /assignments/{orderId}', 'designer.marco', 404],
        ['GET /assignments/{orderId}', 'designer.priya', 200],
        ['GET /assignments/{orderId}/inputs', 'lab.acme', 403],
        ['GET /assignments/{orderId}/inputs', 'lab.bright', 403],
        ['GET /assignments/{orderId}/inputs', 'officer.olivia', 403],
        ['GET /assignments/{orderId}/inputs', 'designer.marco', 404],
        ['GET /assignments/{orderId}/inputs', 'designer.priya', 200],
        ['GET /orders/{orderId}', 'designer.priya', 403],
        ['GET /orders/{orderId}', 'designer.marco', 403],
        ['GET /orders/{orderId}', 'officer.olivia', 403],
        ['GET /orders/{orderId}', 'lab.bright', 404],
        ['GET /orders/{orderId}', 'lab.acme', 200],
      ],
    );

    it("does not list priya's orders to marco, and lists exactly them to priya", async () => {
      const ids = async (as: ActorName) => {
        const res = await api.call<{ assignments: { orderId: string }[] }>('GET', '/assignments', { as });
        expect(res.status).toBe(200);
        return res.body.assignments.map((a) => a.orderId).sort();
      };
      expect(await ids('designer.marco')).toEqual([]);
      expect(await ids('designer.priya')).toEqual([orders.work, orders.spare].sort());
    });

    it('hands presigned input URLs to the holder alone', async () => {
      const inputs = (await acmeAudit()).filter((e) => e.action === 'assignment.inputs');
      const allowed = inputs.filter((e) => e.outcome === 'ALLOWED');
      // One scan, fetched once by priya; marco's attempts are on record as denied.
      expect(allowed.map((e) => [e.orderId, e.actorSub])).toEqual([[orders.work, sub('designer.priya')]]);
      expect(
        inputs.filter((e) => e.outcome === 'DENIED').map((e) => [e.orderId, e.actorSub, e.reason]),
      ).toEqual([[orders.work, sub('designer.marco'), 'NOT_ASSIGNEE']]);
    });
  });

  describe("changing priya's assignments: refusals first, then priya", () => {
    matrix(
      () => orders.work,
      [
        ['POST /assignments/{orderId}/heartbeat', 'lab.acme', 403],
        ['POST /assignments/{orderId}/heartbeat', 'lab.bright', 403],
        ['POST /assignments/{orderId}/heartbeat', 'officer.olivia', 403],
        ['POST /assignments/{orderId}/heartbeat', 'designer.marco', 404],
        ['POST /assignments/{orderId}/heartbeat', 'designer.priya', 200],
        ['POST /assignments/{orderId}/uploads', 'lab.acme', 403],
        ['POST /assignments/{orderId}/uploads', 'lab.bright', 403],
        ['POST /assignments/{orderId}/uploads', 'officer.olivia', 403],
        ['POST /assignments/{orderId}/uploads', 'designer.marco', 404],
        ['POST /assignments/{orderId}/uploads', 'designer.priya', 201],
        ['POST /assignments/{orderId}/submit', 'lab.acme', 403],
        ['POST /assignments/{orderId}/submit', 'lab.bright', 403],
        ['POST /assignments/{orderId}/submit', 'officer.olivia', 403],
        ['POST /assignments/{orderId}/submit', 'designer.marco', 404],
        ['POST /assignments/{orderId}/submit', 'designer.priya', 202],
      ],
    );
    matrix(
      () => orders.spare,
      [
        ['POST /assignments/{orderId}/release', 'lab.acme', 403],
        ['POST /assignments/{orderId}/release', 'lab.bright', 403],
        ['POST /assignments/{orderId}/release', 'officer.olivia', 403],
        ['POST /assignments/{orderId}/release', 'designer.marco', 404],
        ['POST /assignments/{orderId}/release', 'designer.priya', 200],
      ],
    );
  });

  describe('a DELIVERED order: refusals first, then its lab', () => {
    matrix(
      () => orders.revise,
      [
        ['GET /orders/{orderId}/deliverables', 'designer.priya', 403],
        ['GET /orders/{orderId}/deliverables', 'designer.marco', 403],
        ['GET /orders/{orderId}/deliverables', 'officer.olivia', 403],
        ['GET /orders/{orderId}/deliverables', 'lab.bright', 404],
        ['GET /orders/{orderId}/deliverables', 'lab.acme', 200],
      ],
    );
    matrix(
      () => orders.revise,
      [
        ['GET /orders/{orderId}/inputs', 'designer.priya', 403],
        ['GET /orders/{orderId}/inputs', 'designer.marco', 403],
        ['GET /orders/{orderId}/inputs', 'officer.olivia', 403],
        ['GET /orders/{orderId}/inputs', 'lab.bright', 404],
        ['GET /orders/{orderId}/inputs', 'lab.acme', 200],
      ],
    );
    matrix(
      () => orders.accept,
      [
        ['POST /orders/{orderId}/accept', 'designer.priya', 403],
        ['POST /orders/{orderId}/accept', 'designer.marco', 403],
        ['POST /orders/{orderId}/accept', 'officer.olivia', 403],
        ['POST /orders/{orderId}/accept', 'lab.bright', 404],
        ['POST /orders/{orderId}/accept', 'lab.acme', 200],
      ],
    );
    matrix(
      () => orders.revise,
      [
        ['POST /orders/{orderId}/revisions', 'designer.priya', 403],
        ['POST /orders/{orderId}/revisions', 'designer.marco', 403],
        ['POST /orders/{orderId}/revisions', 'officer.olivia', 403],
        ['POST /orders/{orderId}/revisions', 'lab.bright', 404],
        ['POST /orders/{orderId}/revisions', 'lab.acme', 202],
      ],
    );
  });
});
