import { CognitoIdentityProvider } from '../../adapters/cognito-identity-provider';
import { config } from '../config';
import { cognitoClient } from '../sdk/cognito';
import { once } from '../sdk/options';

/** The user pool partners' users sign in to: invitations, sign-outs, removals. */
export const identity = once(() => new CognitoIdentityProvider(cognitoClient(), config().userPoolId));
