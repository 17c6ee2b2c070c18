import middy from '@middy/core';
import type { DesignDeps } from '../domain/design';
import { archiveOrder } from '../domain/design';
import { orders } from '../runtime/wiring/orders';
import { policies } from '../runtime/wiring/policies';
import { clock, granted, randomIds } from '../runtime/wiring/runtime';

/** Only the adapters this function is granted (lib/function-adapters.ts: archiveOrder). */
export const deps = granted<DesignDeps>({
  orders: orders(),
  policies: policies(),
  accounts: policies(),
  clock: clock(),
  ids: randomIds,
});

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = middy<
  { orderId: string; accountId: string },
  Awaited<ReturnType<typeof archiveOrder>>
>().handler((event) => archiveOrder(deps, event));
