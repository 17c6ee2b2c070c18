import { getOrder } from '../domain/orders';
import { productionDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = productionDeps();

export const handler = httpHandler(async ({ actor, params }) => ({
  statusCode: 200,
  body: await getOrder(deps, actor, pathParam(params, 'orderId')),
}));
