/**
 * Cognito Pre Token Generation (V2 event, feature plan Essentials or Plus): copies the user's
 * immutable `custom:account_id` into the access token as `account_id`, the claim handlers scope
 * every read and write by (lambdas/kernel/identity.ts).
 *
 * Pure: no SDK, no logging (the event carries the user's attributes, e-mail included). A user
 * without an account id still gets a token, without the claim, and every handler refuses it: a
 * broken login is better than a token that names no tenant.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { ACCOUNT_ID_ATTRIBUTE, ACCOUNT_ID_CLAIM } from '../../common/claims';

export { ACCOUNT_ID_ATTRIBUTE, ACCOUNT_ID_CLAIM };

export const withAccountIdClaim = <E extends PreTokenGenerationV2TriggerEvent>(event: E): E => {
  const accountId = event.request.userAttributes[ACCOUNT_ID_ATTRIBUTE];
  if (accountId === undefined || accountId === '') return event;
  const overrides = event.response.claimsAndScopeOverrideDetails ?? {};
  const accessToken = overrides.accessTokenGeneration ?? {};
  return {
    ...event,
    response: {
      ...event.response,
      claimsAndScopeOverrideDetails: {
        ...overrides,
        accessTokenGeneration: {
          ...accessToken,
          claimsToAddOrOverride: { ...accessToken.claimsToAddOrOverride, [ACCOUNT_ID_CLAIM]: accountId },
        },
      },
    },
  };
};

export const handler = async (
  event: PreTokenGenerationV2TriggerEvent,
): Promise<PreTokenGenerationV2TriggerEvent> => withAccountIdClaim(event);
