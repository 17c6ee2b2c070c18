import { listOrders } from '../domain/orders';
import { productionDeps } from '../shared/deps';
import { httpHandler } from '../shared/http';

const deps = productionDeps();

export const handler = httpHandler(async ({ actor, query }) => ({
  statusCode: 200,
  body: await listOrders(deps, actor, query),
}));
