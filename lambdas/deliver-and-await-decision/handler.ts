import middy from '@middy/core';
import { deliverAndAwaitDecision } from '../domain/design';
import { designDeps } from '../shared/deps';

const deps = designDeps();

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = middy<
  { orderId: string; accountId: string; taskToken: string },
  Awaited<ReturnType<typeof deliverAndAwaitDecision>>
>().handler((event) => deliverAndAwaitDecision(deps, event));
