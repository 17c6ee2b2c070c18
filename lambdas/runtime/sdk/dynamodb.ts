import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type Config, config } from '../config';
import { clientOptions, once } from './options';

export const makeDocumentClient = (cfg: Config = config()): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient(clientOptions(cfg, 'dynamodb')), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });

/** The process's DynamoDB document client. */
export const documentClient = once(() => makeDocumentClient());
