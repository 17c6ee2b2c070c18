import { DynamoDetectorStore } from '../../adapters/dynamo-detector-store';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** The breach detector's position, lease and per-actor windows (audit sequence table). */
export const detector = once(() => new DynamoDetectorStore(documentClient(), config().tables.auditSequence));
