import { archiveOrder } from '../domain/design/workflow-tasks';
import { taskHandler } from '../runtime/task';
import { accounts } from '../runtime/wiring/accounts';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: archiveOrder). */
export const deps = granted<DepsOf<typeof archiveOrder>>({
  orders: orders(),
  policies: accounts(),
  accounts: accounts(),
  clock: clock(),
  ids: randomIds,
});

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = taskHandler<
  { orderId: string; accountId: string },
  Awaited<ReturnType<typeof archiveOrder>>
>((event) => archiveOrder(deps, event));
