import { DynamoDesignerRegistry } from '../adapters/dynamo-designer-registry';
import { updateDesigner } from '../domain/designers';
import { clients } from '../shared/clients';
import { config } from '../shared/config';
import { productionDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

// The registry is not one of the shared Deps (only these four routes and the queue use it).
const deps = {
  ...productionDeps(),
  designers: new DynamoDesignerRegistry(clients().ddb, config().tables.designers),
};

export const handler = httpHandler(async ({ actor, params, body }) => ({
  statusCode: 200,
  body: await updateDesigner(deps, actor, pathParam(params, 'designerId'), body),
}));
