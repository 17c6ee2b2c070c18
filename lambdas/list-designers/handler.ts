import { DynamoDesignerRegistry } from '../adapters/dynamo-designer-registry';
import { listDesigners } from '../domain/designers';
import { clients } from '../shared/clients';
import { config } from '../shared/config';
import { productionDeps } from '../shared/deps';
import { httpHandler } from '../shared/http';

// The registry is not one of the shared Deps (only these four routes and the queue use it).
const deps = {
  ...productionDeps(),
  designers: new DynamoDesignerRegistry(clients().ddb, config().tables.designers),
};

export const handler = httpHandler(async ({ actor }) => ({
  statusCode: 200,
  body: await listDesigners(deps, actor),
}));
