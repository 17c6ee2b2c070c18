import { ROUTE_ROLES } from '../../common/roles';
import { listDesigners } from '../domain/designers';
import { httpHandler } from '../runtime/http';
import { audit } from '../runtime/wiring/audit';
import { designers } from '../runtime/wiring/designers';
import { clock, randomIds } from '../runtime/wiring/runtime';

export const deps = Object.freeze({
  audit: audit(),
  designers: designers(),
  clock: clock(),
  ids: randomIds,
});

export const handler = httpHandler(
  async ({ actor }) => ({
    statusCode: 200,
    body: await listDesigners(deps, actor),
  }),
  { refusals: deps, roles: ROUTE_ROLES.listDesigners },
);
