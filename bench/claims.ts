/**
 * Benchmark part 2, claims under concurrency: the queue holds N orders (two thirds crowns, one
 * third printed models), then every designer claims with several requests in flight at once
 * until the queue has nothing left for them. Reports the latency of POST /queue/claim (p50, p99)
 * and checks that no order was handed to two designers (from the claim answers and from each
 * designer's GET /assignments).
 *
 * The registry caps a designer's capacity at 20 (MAX_CAPACITY), so 60 orders need three
 * designers: priya and marco take the crowns (20 each), lin the models (only she may).
 * Run alone: `npx tsx bench/claims.ts`; `npm run bench` runs it second.
 * One round claims one request at a time (the uncontended baseline); then `rounds` rounds claim
 * with every designer's requests in flight at once, all orders released between rounds.
 *
 * The yardstick, measured in the same run on the same local DynamoDB just before each concurrent
 * round, with as many requests in flight as that round has claimers: a bare conditional
 * UpdateItem, each request on an item of its own (`bareUpdateMs`). `claimVsBareP99` is the claim
 * p99 over the bare p99. `failedConditionsPerClaim` counts the order writes DynamoDB refused
 * with a failed condition (another claimer got there first) during the concurrent rounds, per
 * order won. `cpuMsPerClaim` and `cpuMsPerBareUpdate`: this process's CPU time (the client, the
 * API, the handlers and the stand-ins all run in it) per claim won and per bare update.
 *   --orders N     orders queued first (default 60)    --claimers N   requests in flight per designer (4)
 *   --rounds N     concurrent rounds (default 3)
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { RELEASE_COOLDOWN_MINUTES } from '../lambdas/domain/design/shared';
import { MAX_CAPACITY } from '../lambdas/domain/designers';
import { seedUser } from '../local/seed';
import { Api } from '../test/support/api';
import { makeCreateOrderRequest } from '../test/support/factories';
import { meshBytes } from '../test/support/mesh-factory';
import { createAndSubmit, emit, pool, sleep, spread, startStack, Tokens, waitForStatus } from './support';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '60' },
    claimers: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
  },
});
const total = Number(values.orders);
const claimersPerDesigner = Number(values.claimers);
const rounds = Math.max(1, Number(values.rounds));
const designers = ['designer.priya', 'designer.marco', 'designer.lin'];
const labs = ['lab.acme', 'lab.bright', 'lab.coast'];

/**
 * Counts the order updates DynamoDB refuses on a condition. The handlers run in this process and
 * send through DynamoDBDocumentClient, so one wrapper around its `send` sees every attempt.
 */
let failedConditions = 0;
let counting = false;
const send = DynamoDBDocumentClient.prototype.send as (...args: unknown[]) => Promise<unknown>;
DynamoDBDocumentClient.prototype.send = function (this: DynamoDBDocumentClient, ...args: unknown[]) {
  const command = args[0];
  const sent = send.apply(this, args);
  if (command instanceof UpdateCommand && command.input.Key?.sk === 'META')
    sent.catch((error: unknown) => {
      if (counting && (error as { name?: string }).name === 'ConditionalCheckFailedException')
        failedConditions++;
    });
  return sent;
} as typeof DynamoDBDocumentClient.prototype.send;

const stack = await startStack();
const ddb = DynamoDBDocumentClient.from(
  new DynamoDBClient({
    endpoint: stack.endpoints.dynamodb,
    region: stack.env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: stack.env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: stack.env.AWS_SECRET_ACCESS_KEY ?? '',
    },
  }),
);
const ordersTable = stack.env.ORDERS_TABLE ?? '';
const api = new Api(stack.apiUrl);
let tokens = new Tokens(api);

// Prepare: room for MAX_CAPACITY jobs each, and a full queue.
for (const username of designers) {
  const designerId = seedUser(username)?.sub ?? '';
  const res = await api.call('PATCH', `/designers/${designerId}`, {
    token: await tokens.of('operator.omar'),
    body: { capacity: MAX_CAPACITY },
  });
  if (res.status !== 200) throw new Error(`capacity of ${username}: HTTP ${res.status}`);
}
const queued: string[] = [];
const failures: string[] = [];
const queueStarted = performance.now();
await pool(total, 8, async (i) => {
  const lab = labs[i % labs.length] ?? 'lab.acme';
  const model = i % 3 === 2;
  const token = await tokens.of(lab);
  const orderId = await createAndSubmit(
    api,
    token,
    makeCreateOrderRequest({
      caseRef: `CLAIM-${Date.now().toString(36)}-${i}`,
      items: [
        model
          ? { type: 'model', arch: 'both', material: 'print-resin' }
          : { type: 'crown', teeth: [36], material: 'zirconia', shade: 'A2' },
      ],
    }),
    meshBytes('stl-binary', { triangles: 2000, seed: i + 1 }),
  );
  if (await waitForStatus(api, token, orderId, ['QUEUED'], { passing: ['SUBMITTED'] })) queued.push(orderId);
  else failures.push(`${orderId}: not queued`);
});
const queueSeconds = (performance.now() - queueStarted) / 1000;
// The workflow puts each order in the queue index just after it shows QUEUED.
await sleep(500);

interface Round {
  claimed: { orderId: string; designer: string }[];
  wonMs: number[];
  emptyMs: number[];
  errors: string[];
  elapsedMs: number;
}

/** Each designer claims with `inFlight` requests at once until told 204; `oneAtATime` runs designers in turn. */
const claimRound = async (inFlight: number, oneAtATime = false): Promise<Round> => {
  const round: Round = { claimed: [], wonMs: [], emptyMs: [], errors: [], elapsedMs: 0 };
  const claimer = async (designer: string) => {
    const token = await tokens.of(designer);
    for (;;) {
      const t0 = performance.now();
      const res = await api.call<{ orderId: string }>('POST', '/queue/claim', { token });
      const ms = performance.now() - t0;
      if (res.status === 200) {
        round.wonMs.push(ms);
        round.claimed.push({ orderId: res.body.orderId, designer });
      } else if (res.status === 204) {
        round.emptyMs.push(ms);
        return;
      } else {
        round.errors.push(`claim: HTTP ${res.status}`);
        return;
      }
    }
  };
  const started = performance.now();
  if (oneAtATime) for (const designer of designers) await claimer(designer);
  else await Promise.all(designers.flatMap((d) => Array.from({ length: inFlight }, () => claimer(d))));
  round.elapsedMs = performance.now() - started;
  return round;
};

/** Who holds what, from each designer's own list. */
const holdings = async () => {
  const held = new Map<string, string[]>();
  for (const designer of designers) {
    const res = await api.call<{ assignments: { orderId: string }[] }>('GET', '/assignments', {
      token: await tokens.of(designer),
    });
    for (const a of res.body.assignments) held.set(a.orderId, [...(held.get(a.orderId) ?? []), designer]);
  }
  return held;
};

/**
 * Every designer gives everything back, then the clock moves past the release cool-down (a
 * released order is not offered back to its designer for RELEASE_COOLDOWN_MINUTES), so the next
 * round starts from a full queue open to everyone. Tokens expire on the local clock: new ones.
 */
const releaseAll = async (held: Map<string, string[]>) => {
  const entries = [...held].flatMap(([orderId, by]) => by.map((designer) => ({ orderId, designer })));
  await pool(entries.length, 6, async (i) => {
    const e = entries[i];
    if (!e) return;
    const res = await api.call('POST', `/assignments/${e.orderId}/release`, {
      token: await tokens.of(e.designer),
    });
    if (res.status !== 200) failures.push(`release ${e.orderId}: HTTP ${res.status}`);
  });
  const moved = await api.call('POST', '/local/clock/advance', {
    token: await tokens.of('operator.omar'),
    body: { minutes: RELEASE_COOLDOWN_MINUTES + 1 },
  });
  if (moved.status !== 200) failures.push(`clock advance: HTTP ${moved.status}`);
  tokens = new Tokens(api);
  await sleep(200);
};

// Act and assess: one round one request at a time (the uncontended baseline), then `rounds`
// rounds with every designer's requests in flight at once; after each, one holder per order,
// by the claim answers and by the designers' own lists.
const checks = { duplicateClaims: 0, heldByTwoDesigners: 0, listedVsClaimed: 0, leftInQueue: 0 };
const assess = async (round: Round) => {
  const ids = round.claimed.map((c) => c.orderId);
  const held = await holdings();
  checks.duplicateClaims += ids.length - new Set(ids).size;
  checks.heldByTwoDesigners += [...held.values()].filter((h) => h.length > 1).length;
  checks.listedVsClaimed += Math.abs(held.size - new Set(ids).size);
  checks.leftInQueue += queued.length - new Set(ids).size;
  return held;
};
/**
 * The yardstick: `inFlight` workers each send `perWorker` conditional UpdateItems (status still
 * QUEUED, as a claim's is) to items of their own, one after another, on the orders table.
 */
const bareUpdates = async (inFlight: number, perWorker: number) => {
  const ms: number[] = [];
  await Promise.all(
    Array.from({ length: inFlight }, async (_, w) => {
      const key = { pk: `BENCH#bare-${w}`, sk: 'BARE' };
      await ddb.send(new PutCommand({ TableName: ordersTable, Item: { ...key, status: 'QUEUED', n: 0 } }));
      for (let i = 0; i < perWorker; i++) {
        const t0 = performance.now();
        await ddb.send(
          new UpdateCommand({
            TableName: ordersTable,
            Key: key,
            UpdateExpression: 'SET n = n + :one, updatedAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND #status = :queued',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':one': 1, ':at': new Date().toISOString(), ':queued': 'QUEUED' },
          }),
        );
        ms.push(performance.now() - t0);
      }
    }),
  );
  return ms;
};

const baseline = await claimRound(1, true);
await releaseAll(await assess(baseline));
const concurrent: Round[] = [];
const bareMs: number[] = [];
/**
 * CPU time of this process (client, API, handlers and stand-ins all run in it) over the bare
 * updates and over the concurrent rounds: the work a claim costs, less swayed by a loaded machine
 * than its latency.
 */
const cpuMs = { bare: 0, claims: 0 };
const cpuSince = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
for (let r = 0; r < rounds; r++) {
  let cpu = process.cpuUsage();
  bareMs.push(...(await bareUpdates(designers.length * claimersPerDesigner, 20)));
  cpuMs.bare += cpuSince(cpu);
  counting = true;
  cpu = process.cpuUsage();
  const round = await claimRound(claimersPerDesigner);
  cpuMs.claims += cpuSince(cpu);
  counting = false;
  concurrent.push(round);
  const held = await assess(round);
  if (r < rounds - 1) await releaseAll(held);
}
ddb.destroy();
await stack.stop();

const last = concurrent.at(-1);
const all = (pick: (r: Round) => number[]) => concurrent.flatMap(pick);
const errors = [...failures, ...baseline.errors, ...concurrent.flatMap((r) => r.errors)];
const concurrentMs = concurrent.reduce((s, r) => s + r.elapsedMs, 0);
emit({
  queued: queued.length,
  designers: designers.length,
  capacityEach: MAX_CAPACITY,
  concurrentClaims: designers.length * claimersPerDesigner,
  rounds,
  claimed: last?.claimed.length ?? 0,
  perDesigner: Object.fromEntries(
    designers.map((d) => [d.replace('designer.', ''), last?.claimed.filter((c) => c.designer === d).length]),
  ),
  ...checks,
  claimMs: { ...spread(all((r) => r.wonMs)), samples: all((r) => r.wonMs).length },
  bareUpdateMs: { ...spread(bareMs), samples: bareMs.length },
  claimVsBareP99: Number((spread(all((r) => r.wonMs)).p99 / spread(bareMs).p99).toFixed(1)),
  failedConditionsPerClaim: Number((failedConditions / Math.max(1, all((r) => r.wonMs).length)).toFixed(2)),
  cpuMsPerClaim: Number((cpuMs.claims / Math.max(1, all((r) => r.wonMs).length)).toFixed(1)),
  cpuMsPerBareUpdate: Number((cpuMs.bare / Math.max(1, bareMs.length)).toFixed(2)),
  emptyClaimMs: spread(all((r) => r.emptyMs)),
  oneAtATimeClaimMs: { ...spread(baseline.wonMs), samples: baseline.wonMs.length },
  claimsPerSecond: Math.round((all((r) => r.wonMs).length / concurrentMs) * 1000),
  claimSecondsPerRound: Number((concurrentMs / rounds / 1000).toFixed(1)),
  queueSeconds: Number(queueSeconds.toFixed(1)),
  errors: errors.length,
  ...(errors.length ? { failed: errors.slice(0, 5) } : {}),
});
if (Object.values(checks).some(Boolean) || errors.length) process.exitCode = 1;
