/** SDK clients pointed at a local stack's stand-ins, for tests that look behind the API. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3_CREDENTIALS } from '../../local/s3';

export const localDocumentClient = (endpoint: string): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { ...S3_CREDENTIALS } }),
  );
