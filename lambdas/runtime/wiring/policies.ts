import { DynamoAccountPolicies } from '../../adapters/dynamo-account-policies';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** Account policies and where each account stands; fills both the `policies` and `accounts` ports. */
export const policies = once(() => new DynamoAccountPolicies(documentClient(), config().tables.orders));
