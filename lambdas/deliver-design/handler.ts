import middy from '@middy/core';
import { deliverDesign } from '../domain/design';
import { designDeps } from '../shared/deps';

const deps = designDeps();

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = middy<
  { orderId: string; accountId: string },
  Awaited<ReturnType<typeof deliverDesign>>
>().handler((event) => deliverDesign(deps, event));
