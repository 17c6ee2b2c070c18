import middy from '@middy/core';
import { awaitDesign } from '../domain/design';
import { designDeps } from '../shared/deps';

const deps = designDeps();

/** Workflow task: ids in, a status out; nothing else enters the execution history. */
export const handler = middy<
  { orderId: string; accountId: string; taskToken: string },
  Awaited<ReturnType<typeof awaitDesign>>
>().handler((event) => awaitDesign(deps, event));
