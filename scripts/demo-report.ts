/**
 * The demo's last part: each order's timeline as its lab sees it (GET /orders/{id}), with the
 * seeded users' names in place of their subs, and a summary of the notifications outbox.
 */
import type { DemoOrder } from './demo-lifecycle';
import { call, type Demo, describeItems, say, step, view } from './demo-support';

interface SeedUser {
  username: string;
  accountId: string;
  description: string;
}

/** sub → username, read from each seeded user's token (GET /local/users does not list subs). */
const userNames = async (demo: Demo) => {
  const users = await call<SeedUser[]>(demo, undefined, 'GET', '/local/users');
  const names = new Map<string, string>();
  const labs = new Map<string, string>();
  const accountOf = new Map<string, string>();
  for (const user of users) {
    accountOf.set(user.username, user.accountId);
    const token = await demo.api.token(user.username);
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub?: string;
    };
    if (payload.sub) names.set(payload.sub, user.username);
    const lab = /technician at (.+)$/.exec(user.description)?.[1];
    if (lab && !labs.has(user.accountId)) labs.set(user.accountId, lab);
  }
  return { names, labs, accountOf };
};

const when = (iso: string) => iso.slice(0, 19).replace('T', ' ');

export const printReport = async (demo: Demo, orders: readonly DemoOrder[], first: number) => {
  const { names, labs, accountOf } = await userNames(demo);
  step(first, 'Timeline of each order, as its lab sees it (times on the local clock, UTC)');
  for (const o of orders) {
    const v = await view(demo, o.lab, o.orderId);
    const labName = labs.get(accountOf.get(o.lab) ?? '') ?? o.lab;
    say(`\n   ${o.orderId}  ${labName}: ${describeItems(v.items)}, ${v.turnaround}`);
    say(`   ${' '.repeat(o.orderId.length)}  ${v.status}: ${o.story}`);
    for (const e of v.timeline) {
      const detail = Object.entries(e.detail ?? {})
        .map(([k, val]) => `${k} ${val}`)
        .join(', ');
      say(
        `     ${when(e.at)}  ${e.type.padEnd(18)} ${(names.get(e.by) ?? e.by).padEnd(15)} ${detail}`.trimEnd(),
      );
    }
  }

  step(first + 1, 'Notifications outbox (ids and kinds only: whoever receives one signs in to see more)');
  const messages = await call<{ topic: string; at: string; message: string }[]>(
    demo,
    undefined,
    'GET',
    '/local/outbox',
  );
  const counts = new Map<string, number>();
  for (const m of messages) {
    const body = JSON.parse(m.message) as Record<string, string>;
    const to = body.accountId
      ? (labs.get(body.accountId) ?? body.accountId)
      : body.designerId
        ? (names.get(body.designerId) ?? body.designerId)
        : 'operators';
    const kind = body.kind === 'operator.alert' ? `alert: ${body.subject}` : (body.kind ?? '?');
    say(
      `     ${when(m.at)}  ${m.topic.replace('caseline-', '').padEnd(16)} ${kind.padEnd(26)} ${(body.orderId ?? '').padEnd(30)} to ${to}${body.version ? ` (version ${body.version})` : ''}`,
    );
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  say(
    `   -> ${messages.length} messages: ${[...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([k, c]) => `${c} ${k}`)
      .join(', ')}`,
  );
};
