/**
 * Seed 000's automatic logoff: refresh tokens live an hour unless a deployment says otherwise,
 * and a value Cognito would refuse fails synthesis rather than the deployment.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { describe, expect, it } from 'vitest';
import { Api, REFRESH_TOKEN_CONTEXT } from '../../lib/api';

/** Just the API construct, without routes or bundling: the user pool client is what is looked at. */
const apiWith = (context: Record<string, unknown>) => {
  const app = new App({ context: { ...context, 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Tokens', { env: { region: 'us-east-1' } });
  new Api(stack, 'Api', { functions: {}, logKey: new Key(stack, 'logs'), routes: [] });
  return Template.fromStack(stack);
};

describe('refresh-token lifetime', () => {
  it('is an hour by default', () => {
    apiWith({}).hasResourceProperties('AWS::Cognito::UserPoolClient', {
      RefreshTokenValidity: 60,
      TokenValidityUnits: { RefreshToken: 'minutes' },
    });
  });

  it(`is set per deployment with -c ${REFRESH_TOKEN_CONTEXT}=N`, () => {
    apiWith({ [REFRESH_TOKEN_CONTEXT]: '90' }).hasResourceProperties('AWS::Cognito::UserPoolClient', {
      RefreshTokenValidity: 90,
    });
  });

  it.each(['30', '59', 'sixty', '60.5'])(
    'refuses %s minutes at synthesis (Cognito needs whole minutes, at least 60)',
    (value) => {
      expect(() => apiWith({ [REFRESH_TOKEN_CONTEXT]: value })).toThrow(REFRESH_TOKEN_CONTEXT);
    },
  );
});
