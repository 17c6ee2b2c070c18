import { ROUTE_ROLES } from '../../common/roles';
import { createDesigner } from '../domain/designers';
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
  async ({ actor, body }) => ({
    statusCode: 201,
    body: await createDesigner(deps, actor, body),
  }),
  { refusals: deps, roles: ROUTE_ROLES.createDesigner },
);
