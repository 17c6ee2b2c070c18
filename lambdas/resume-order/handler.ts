import { resumeOrder } from '../domain/recovery';
import { designDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = designDeps();

export const handler = httpHandler(async ({ actor, params }) => {
  const result = await resumeOrder(deps, actor, pathParam(params, 'orderId'));
  return { statusCode: result.duplicate ? 200 : 202, body: result };
});
