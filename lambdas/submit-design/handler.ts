import { submitDesign } from '../domain/design';
import { designDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

const deps = designDeps();

export const handler = httpHandler(async ({ actor, params }) => ({
  statusCode: 202,
  body: await submitDesign(deps, actor, pathParam(params, 'orderId')),
}));
