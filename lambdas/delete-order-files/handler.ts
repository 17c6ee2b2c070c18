import { requestDeletion } from '../domain/purge';
import { purgeDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = purgeDeps();

export const handler = httpHandler(async ({ actor, params }) => ({
  statusCode: 202,
  body: await requestDeletion(deps, actor, pathParam(params, 'orderId'), 'files'),
}));
