import { DynamoDesignerRegistry } from '../adapters/dynamo-designer-registry';
import { deactivateDesigner } from '../domain/designers';
import { clients } from '../shared/clients';
import { config } from '../shared/config';
import { productionDeps } from '../shared/deps';
import { httpHandler, pathParam } from '../shared/http';

// The registry is not one of the shared Deps (only these four routes and the queue use it).
const deps = {
  ...productionDeps(),
  designers: new DynamoDesignerRegistry(clients().ddb, config().tables.designers),
};

// DELETE deactivates: the designer stays on file for the international-transfer record.
export const handler = httpHandler(async ({ actor, params }) => ({
  statusCode: 200,
  body: await deactivateDesigner(deps, actor, pathParam(params, 'designerId')),
}));
