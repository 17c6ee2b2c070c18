import { createDesigner } from '../domain/designers';
import { httpHandler } from '../shared/http';
import { ROUTE_ROLES } from '../shared/roles';
import { audit } from '../shared/wiring/audit';
import { designers } from '../shared/wiring/designers';
import { clock, randomIds } from '../shared/wiring/runtime';

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
