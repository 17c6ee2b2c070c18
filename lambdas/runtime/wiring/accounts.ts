import { DynamoAccountRegistry } from '../../adapters/dynamo-account-registry';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** The account registry; fills both the `policies` and `accounts` ports. */
export const accounts = once(() => new DynamoAccountRegistry(documentClient(), config().tables.accounts));
