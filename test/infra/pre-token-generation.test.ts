/**
 * The Cognito pre-token trigger the API's user pool runs: it must put the user's account id into
 * the access token, the claim every handler scopes data by, and change nothing else.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/handlers/pre-token-generation';

const makeEvent = (userAttributes: Record<string, string>): PreTokenGenerationV2TriggerEvent => ({
  version: '2',
  triggerSource: 'TokenGeneration_Authentication',
  region: 'us-east-1',
  userPoolId: 'us-east-1_example',
  userName: 'synthetic-user',
  callerContext: { awsSdkVersion: 'aws-sdk-js-3', clientId: 'client-id' },
  request: { userAttributes, groupConfiguration: { groupsToOverride: ['lab'] }, scopes: [] },
  response: { claimsAndScopeOverrideDetails: {} },
});

describe('pre-token-generation trigger', () => {
  it('copies custom:account_id into the access token as account_id', async () => {
    // Prepare
    const event = makeEvent({ sub: 'sub-1', 'custom:account_id': 'acct-0001', email: 'lab@example.test' });

    // Act
    const result = await handler(event);

    // Assess
    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: { claimsToAddOrOverride: { account_id: 'acct-0001' } },
    });
    expect(result.request).toEqual(event.request);
  });

  it('keeps overrides already present (e.g. from another trigger version)', async () => {
    const event = makeEvent({ 'custom:account_id': 'acct-0002' });
    event.response.claimsAndScopeOverrideDetails = {
      accessTokenGeneration: { claimsToAddOrOverride: { tier: 'gold' }, scopesToAdd: ['x/y'] },
      idTokenGeneration: { claimsToSuppress: ['email'] },
    };

    const result = await handler(event);

    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      accessTokenGeneration: {
        claimsToAddOrOverride: { tier: 'gold', account_id: 'acct-0002' },
        scopesToAdd: ['x/y'],
      },
      idTokenGeneration: { claimsToSuppress: ['email'] },
    });
  });

  it('adds no claim for a user without an account id (handlers then refuse the token)', async () => {
    const event = makeEvent({ sub: 'sub-3' });

    const result = await handler(event);

    expect(result.response.claimsAndScopeOverrideDetails).toEqual({});
  });
});
