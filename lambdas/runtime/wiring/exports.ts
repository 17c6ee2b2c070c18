import { DynamoExportStore } from '../../adapters/dynamo-export-store';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** Account export records and each account's one open export (orders table, ACCOUNT# items). */
export const exportStore = once(() => new DynamoExportStore(documentClient(), config().tables.orders));
