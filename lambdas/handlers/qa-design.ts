import { qaDesign } from '../domain/design/workflow-tasks';
import { taskHandler } from '../runtime/task';
import { files } from '../runtime/wiring/files';
import { notifier } from '../runtime/wiring/notifier';
import { orders } from '../runtime/wiring/orders';
import { clock, type DepsOf, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: qaDesign). */
export const deps = granted<DepsOf<typeof qaDesign>>({
  orders: orders(),
  files: files(),
  notifier: notifier(),
  clock: clock(),
  ids: randomIds,
});

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = taskHandler<
  { orderId: string; accountId: string },
  Awaited<ReturnType<typeof qaDesign>>
>((event) => qaDesign(deps, event));
