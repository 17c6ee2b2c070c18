import { DynamoPurgeStore } from '../../adapters/dynamo-purge-store';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** Purge manifests and certificates, and the anonymising of purged orders (orders table). */
export const purgeStore = once(() => new DynamoPurgeStore(documentClient(), config().tables.orders));
