import { DynamoIncidentStore } from '../../adapters/dynamo-incident-store';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** Incidents, their signals, timelines and notices (incidents table). */
export const incidents = once(() => new DynamoIncidentStore(documentClient(), config().tables.incidents));
