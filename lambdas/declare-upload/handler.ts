import { declareUpload } from '../domain/orders';
import { productionDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = productionDeps();

export const handler = httpHandler(async ({ actor, params, body }) => ({
  statusCode: 201,
  body: await declareUpload(deps, actor, pathParam(params, 'orderId'), body),
}));
