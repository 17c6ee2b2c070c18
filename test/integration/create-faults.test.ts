/**
 * Order creation is all or nothing, over the wire: a fault at a step of `POST /orders` (a disabled
 * KMS key, a missing audit table) fails the request and leaves no case-reference guard behind, so
 * the retry with the same case reference succeeds and the account holds exactly one order for it.
 * Faults the stand-ins cannot produce (a DynamoDB write failing between two others) are unit tests
 * with failing fakes (test/unit/orders.test.ts). This file runs its own local stack: it disables
 * keys and drops a table, which would break the shared stack's other tests.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountKeyAlias, KMS_KEYS, localTableName } from '../../common/definitions';
import { S3_CREDENTIALS } from '../../local/s3';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api } from '../support/api';
import { makeCreateOrderRequest } from '../support/factories';
import { localDocumentClient } from '../support/local-clients';

let stack: LocalStack;
let api: Api;
let kms: KMSClient;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
  api = new Api(stack.apiUrl);
  const common = { region: 'us-east-1', credentials: { ...S3_CREDENTIALS } };
  kms = new KMSClient({ ...common, endpoint: stack.endpoints.kms });
  dynamo = new DynamoDBClient({ ...common, endpoint: stack.endpoints.dynamodb });
});

afterAll(async () => {
  kms?.destroy();
  dynamo?.destroy();
  await stack?.stop();
});

let n = 0;
const uniqueCase = () => `FAULT-${Date.now().toString(36)}-${++n}`;

const create = (caseRef: string) =>
  api.call<{ orderId: string; caseRef: string; code?: string }>('POST', '/orders', {
    as: 'lab.acme',
    body: makeCreateOrderRequest({ caseRef }),
  });

/** What the account holds for a case reference: its orders (through the API) and its guards. */
const holdings = async (caseRef: string) => {
  const listed = await api.call<{ orders: { orderId: string; caseRef: string }[] }>(
    'GET',
    '/orders?limit=100',
    { as: 'lab.acme' },
  );
  const ddb = localDocumentClient(stack.endpoints.dynamodb);
  const { Items } = await ddb.send(
    new ScanCommand({
      TableName: localTableName('orders'),
      FilterExpression: 'entity = :guard',
      ExpressionAttributeValues: { ':guard': 'caseRefGuard' },
    }),
  );
  ddb.destroy();
  return {
    orders: listed.body.orders.filter((o) => o.caseRef === caseRef).map((o) => o.orderId),
    guardHolders: (Items ?? []).map((i) => String(i.orderId)),
  };
};

// The account's own key holds its PHI fields (the case-data key only fields written before accounts had keys).
const keyArn = async (id: 'account' | 'caseRefMac') => {
  if (id === 'caseRefMac') return stack.env[KMS_KEYS[id].envVar] ?? '';
  const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: accountKeyAlias('lab-acme') }));
  return KeyMetadata?.Arn ?? '';
};

describe('a failed create leaves nothing behind', () => {
  it.each([
    ['the case-reference MAC key', 'caseRefMac'],
    ["the account's key", 'account'],
  ] as const)('with %s disabled, the retry with the same case reference succeeds', async (_name, key) => {
    // Prepare
    const caseRef = uniqueCase();
    const keyId = await keyArn(key);
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    // Act
    let failed: Awaited<ReturnType<typeof create>>;
    try {
      failed = await create(caseRef);
    } finally {
      await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    }
    const retry = await create(caseRef);
    // Assess: a 5xx without the SDK's words, then exactly one order holding the case reference.
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(failed.body)).not.toMatch(/Disabled|arn:aws:kms/);
    expect(retry.status).toBe(201);
    const held = await holdings(caseRef);
    expect(held.orders).toEqual([retry.body.orderId]);
    expect(held.guardHolders).toContain(retry.body.orderId);
    expect(held.guardHolders).not.toContain(failed.body.orderId);
  });

  it('with the audit table gone, answers 503 and the retry succeeds once it is back', async () => {
    // Prepare: drop the audit table, keeping its definition to put it back.
    const TableName = localTableName('audit');
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName }));
    await dynamo.send(new DeleteTableCommand({ TableName }));
    await waitUntilTableNotExists({ client: dynamo, maxWaitTime: 30 }, { TableName });
    const caseRef = uniqueCase();
    // Act
    let failed: Awaited<ReturnType<typeof create>>;
    try {
      failed = await create(caseRef);
    } finally {
      await dynamo.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: Table?.AttributeDefinitions,
          KeySchema: Table?.KeySchema,
          GlobalSecondaryIndexes: Table?.GlobalSecondaryIndexes?.map((g) => ({
            IndexName: g.IndexName,
            KeySchema: g.KeySchema,
            Projection: g.Projection,
          })),
        }),
      );
      await waitUntilTableExists({ client: dynamo, maxWaitTime: 30 }, { TableName });
    }
    const retry = await create(caseRef);
    // Assess
    expect(failed.status).toBe(503);
    expect(retry.status).toBe(201);
    expect((await holdings(caseRef)).orders).toEqual([retry.body.orderId]);
  });

  it('keeps no case reference in clear in the orders table', async () => {
    // Prepare / Act
    const caseRef = uniqueCase();
    expect((await create(caseRef)).status).toBe(201);
    // Assess: neither the order, its guard nor its timeline carries the reference.
    const ddb = localDocumentClient(stack.endpoints.dynamodb);
    const { Items } = await ddb.send(new ScanCommand({ TableName: localTableName('orders') }));
    ddb.destroy();
    expect(JSON.stringify(Items)).not.toContain(caseRef);
    expect((await holdings(caseRef)).orders).toHaveLength(1);
  });
});
