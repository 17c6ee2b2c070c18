import { awaitDesign } from '../domain/design/workflow-tasks';
import { taskHandler } from '../runtime/task';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: awaitDesign). */
export const deps = granted<DepsOf<typeof awaitDesign>>({
  orders: orders(),
  clock: clock(),
  ids: randomIds,
});

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = taskHandler<
  { orderId: string; accountId: string; taskToken: string },
  Awaited<ReturnType<typeof awaitDesign>>
>((event) => awaitDesign(deps, event));
