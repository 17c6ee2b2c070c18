import { completeUpload } from '../domain/orders';
import { productionDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = productionDeps();

export const handler = httpHandler(async ({ actor, params, body }) => ({
  statusCode: 200,
  body: await completeUpload(deps, actor, pathParam(params, 'orderId'), pathParam(params, 'fileId'), body),
}));
