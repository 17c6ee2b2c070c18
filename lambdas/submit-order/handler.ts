import { submitOrder } from '../domain/orders';
import { productionDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = productionDeps();

export const handler = httpHandler(async ({ actor, params }) => ({
  statusCode: 202,
  body: await submitOrder(deps, actor, pathParam(params, 'orderId')),
}));
