import { requestRevision } from '../domain/design';
import { designDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = designDeps();

export const handler = httpHandler(async ({ actor, params, body }) => ({
  statusCode: 202,
  body: await requestRevision(deps, actor, pathParam(params, 'orderId'), body),
}));
