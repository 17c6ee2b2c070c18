/**
 * The DynamoDB OrderRepository over the wire, against the local stack's DynamoDB, held to the
 * same contract as the in-memory fake the unit tests use (test/unit/order-repository-contract.test.ts).
 * Each test gets a fresh table built from the deployed definition (common/definitions.ts), waited
 * for until ACTIVE, so the shared timer and queue partitions hold that test's orders only.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, inject } from 'vitest';
import { TABLES } from '../../common/definitions';
import { DynamoOrderRepository } from '../../lambdas/adapters/dynamo-order-repository';
import { createTableInput } from '../../local/dynamo';
import { S3_CREDENTIALS } from '../../local/s3';
import { orderRepositoryContract } from '../support/order-repository-contract';

const client = new DynamoDBClient({
  endpoint: inject('endpoints').dynamodb,
  region: 'us-east-1',
  credentials: { ...S3_CREDENTIALS },
});
const ddb = DynamoDBDocumentClient.from(client);

afterAll(() => client.destroy());

const freshTable = async () => {
  const table = `it-orders-contract-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateTableCommand(createTableInput(TABLES.orders, table)));
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { TableName: table });
  return new DynamoOrderRepository(ddb, table);
};

describe('OrderRepository contract: DynamoOrderRepository (over the wire)', () => {
  orderRepositoryContract(freshTable);
});
