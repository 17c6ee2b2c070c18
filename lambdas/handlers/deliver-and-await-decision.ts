import middy from '@middy/core';
import type { DesignDeps } from '../domain/design';
import { deliverAndAwaitDecision } from '../domain/design';
import { accounts } from '../runtime/wiring/accounts';
import { designers } from '../runtime/wiring/designers';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: deliverAndAwaitDecision). */
export const deps = granted<DesignDeps>({
  orders: orders(),
  designers: designers(),
  policies: accounts(),
  accounts: accounts(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = middy<
  { orderId: string; accountId: string; taskToken: string },
  Awaited<ReturnType<typeof deliverAndAwaitDecision>>
>().handler((event) => deliverAndAwaitDecision(deps, event));
