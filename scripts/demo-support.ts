/**
 * What the demo's parts share: the stack's address, a client that signs every call in as the
 * user it names (a fresh token each time: the demo moves the clock past tokens' 15 minutes),
 * the CLI's functions run as a given user, and waiting for an order's status.
 */
import type { Api } from '../test/support/api';

export const say = (line = '') => process.stdout.write(`${line}\n`);
export const step = (n: number, title: string) => say(`\n${n}. ${title}`);

export type Cli = typeof import('../cli/main');

export interface Demo {
  readonly apiUrl: string;
  readonly api: Api;
  readonly cli: Cli;
  /** A scratch directory, removed at the end. */
  readonly dir: string;
  /** The stand-ins, for what the demo shows beneath the API (a ciphertext a backup would keep). */
  readonly endpoints: { readonly dynamodb: string; readonly kms: string };
}

/** Runs CLI functions as `username`. */
export const as = async <T>(demo: Demo, username: string, fn: () => Promise<T>): Promise<T> =>
  demo.cli.withToken(await demo.api.token(username), fn);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls the API as `username`; anything but the expected status stops the demo with the API's answer. */
export const call = async <T = Record<string, unknown>>(
  demo: Demo,
  username: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  expect: number[] = [200, 201, 202],
): Promise<T> => {
  const res = await demo.api.call<T>(method, path, {
    ...(username ? { as: username } : {}),
    ...(body === undefined ? {} : { body }),
  });
  if (!expect.includes(res.status))
    throw new Error(
      `${method} ${path} as ${username ?? 'nobody'}: HTTP ${res.status} ${JSON.stringify(res.body)}`,
    );
  return res.body;
};

export interface OrderView {
  orderId: string;
  status: string;
  turnaround: string;
  dueAt?: string;
  deliveredVersion?: number;
  revisionCount?: number;
  items: { type: string; teeth?: number[]; arch?: string; material: string; shade?: string }[];
  timeline: { at: string; type: string; by: string; detail?: Record<string, string | number> }[];
}

export const view = (demo: Demo, lab: string, orderId: string) =>
  call<OrderView>(demo, lab, 'GET', `/orders/${orderId}`);

/** Polls the order as its lab until it reaches one of `statuses`. */
export const waitFor = async (
  demo: Demo,
  lab: string,
  orderId: string,
  statuses: string[],
  timeoutMs = 20_000,
): Promise<OrderView> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await view(demo, lab, orderId);
    if (statuses.includes(v.status)) return v;
    if (Date.now() > deadline)
      throw new Error(`${orderId} is still ${v.status}, not ${statuses.join(' or ')}, after ${timeoutMs} ms`);
    await sleep(50);
  }
};

/** The designer claims until the queue hands out an order (the workflow may still be queueing it). */
export const claimAs = async (demo: Demo, designer: string, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const assignment = await as(demo, designer, () => demo.cli.claimNext());
    if (assignment) return assignment;
    if (Date.now() > deadline) throw new Error(`${designer} found nothing to claim in ${timeoutMs} ms`);
    await sleep(50);
  }
};

export const describeItems = (items: OrderView['items']) =>
  items
    .map((i) =>
      [i.type, i.arch ? `${i.arch} arch` : '', i.teeth?.length ? i.teeth.join('+') : '', i.material, i.shade]
        .filter(Boolean)
        .join(' '),
    )
    .join('; ');
