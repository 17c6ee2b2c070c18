import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { type Config, config } from '../config';
import { clientOptions, once } from './options';

export const makeCognitoClient = (cfg: Config = config()): CognitoIdentityProviderClient =>
  new CognitoIdentityProviderClient(clientOptions(cfg, 'cognito'));

/** The process's Cognito client (the user pool's admin API). */
export const cognitoClient = once(() => makeCognitoClient());
