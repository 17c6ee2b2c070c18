import middy from '@middy/core';
import { qaDesign } from '../domain/design';
import { designDeps } from '../shared/deps';

const deps = designDeps();

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = middy<
  { orderId: string; accountId: string },
  Awaited<ReturnType<typeof qaDesign>>
>().handler((event) => qaDesign(deps, event));
