import { DynamoOrderRepository } from '../../adapters/dynamo-order-repository';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** The order repository: orders, files, timelines and their index items (orders table). */
export const orders = once(() => new DynamoOrderRepository(documentClient(), config().tables.orders));
