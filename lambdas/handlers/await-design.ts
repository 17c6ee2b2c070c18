import middy from '@middy/core';
import type { DesignDeps } from '../domain/design';
import { awaitDesign } from '../domain/design';
import { orders } from '../runtime/wiring/orders';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: awaitDesign). */
export const deps = granted<DesignDeps>({
  orders: orders(),
  clock: clock(),
  ids: randomIds,
});

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = middy<
  { orderId: string; accountId: string; taskToken: string },
  Awaited<ReturnType<typeof awaitDesign>>
>().handler((event) => awaitDesign(deps, event));
