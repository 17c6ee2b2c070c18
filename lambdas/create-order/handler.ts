import { parseCreateOrder } from '../domain/order-input';
import { createOrder } from '../domain/orders';
import { productionDeps } from '../shared/deps';
import { httpHandler } from '../shared/http';

const deps = productionDeps();

export const handler = httpHandler(async ({ actor, body }) => ({
  statusCode: 201,
  body: await createOrder(deps, actor, parseCreateOrder(body)),
}));
