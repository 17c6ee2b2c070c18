import { deliverAndAwaitDecision } from '../domain/design/workflow-tasks';
import { recordMetric } from '../runtime/metrics';
import { taskHandler } from '../runtime/task';
import { accounts } from '../runtime/wiring/accounts';
import { designers } from '../runtime/wiring/designers';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: deliverAndAwaitDecision). */
export const deps = granted<DepsOf<typeof deliverAndAwaitDecision>>({
  orders: orders(),
  designers: designers(),
  policies: accounts(),
  accounts: accounts(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = taskHandler<
  { orderId: string; accountId: string; taskToken: string },
  Awaited<ReturnType<typeof deliverAndAwaitDecision>>
>(async (event) => {
  const result = await deliverAndAwaitDecision(deps, event);
  recordMetric('OrdersDelivered');
  return result;
});
