/**
 * Token lifetimes: plain data read by the CDK app (the user pool clients, lib/api.ts) and by the
 * local IdP (local/idp.ts), so `npm start` and `cdk deploy` issue tokens that live as long.
 */

/** Seed 000: access and id tokens expire after 15 minutes. */
export const ACCESS_TOKEN_MINUTES = 15;

/**
 * Seed 000's automatic logoff: an hour after sign-in the user signs in again, with MFA; the
 * console refreshes its access token until then. An hour is also the shortest refresh-token
 * lifetime Cognito allows. A deployment may set another value (lib/api.ts REFRESH_TOKEN_CONTEXT);
 * the local IdP uses this default.
 */
export const REFRESH_TOKEN_MINUTES = 60;
