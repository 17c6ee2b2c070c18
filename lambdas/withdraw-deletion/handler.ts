import { withdrawDeletion } from '../domain/purge';
import { purgeDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = purgeDeps();

export const handler = httpHandler(async ({ actor, params }) => ({
  statusCode: 200,
  body: await withdrawDeletion(deps, actor, pathParam(params, 'orderId')),
}));
