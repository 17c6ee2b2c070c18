/**
 * Who is calling, from the claims the API Gateway JWT authorizer (Cognito) passes through.
 * Access tokens carry `sub`, `cognito:groups` and `account_id` (added by the pre-token trigger).
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ROLES, type Role } from '../../common/roles';
import { UnauthorizedError } from './errors';

export interface Actor {
  readonly sub: string;
  readonly username: string;
  readonly roles: readonly Role[];
  /** The lab account (or our own organisation for staff) the user belongs to. */
  readonly accountId: string;
  readonly sourceIp: string;
}

/** HTTP API flattens array claims to a string like "[lab operator]"; accept both shapes. */
const parseGroups = (raw: unknown): string[] => {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw !== 'string') return [];
  return raw
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
};

export const actorFrom = (event: APIGatewayProxyEventV2WithJWTAuthorizer): Actor => {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  const sub = claims.sub;
  const accountId = claims.account_id;
  if (typeof sub !== 'string' || typeof accountId !== 'string' || sub === '' || accountId === '') {
    throw new UnauthorizedError();
  }
  const roles = parseGroups(claims['cognito:groups']).filter((g): g is Role =>
    (ROLES as string[]).includes(g),
  );
  const username = typeof claims.username === 'string' ? claims.username : sub;
  return Object.freeze({ sub, username, roles, accountId, sourceIp: event.requestContext.http.sourceIp });
};
