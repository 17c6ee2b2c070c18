import { DynamoDesignerRegistry } from '../../adapters/dynamo-designer-registry';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** The designer registry and its capacity slots (designers table). */
export const designers = once(() => new DynamoDesignerRegistry(documentClient(), config().tables.designers));
