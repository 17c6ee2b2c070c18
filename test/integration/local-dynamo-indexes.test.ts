/**
 * Data kept on disk from an earlier run meets today's table definitions: a table whose indexes
 * differ (the work queue's index before it became `byQueueItems`) stops the start with a message
 * saying what to do, rather than failing every claim later on a missing index.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { localTableName } from '../../common/definitions';
import { startDynamo } from '../../local/dynamo';

const dir = mkdtempSync(join(tmpdir(), 'caseline-dynamo-'));
const opts = {
  host: '127.0.0.1',
  port: 0,
  dir,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  region: 'us-east-1',
};

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the local DynamoDB on kept data', () => {
  it('starts on tables it made itself, and refuses a table whose indexes are not the declared ones', async () => {
    // Prepare: a first start makes the tables; then the orders table is made again as an older
    // version had it, the queue index holding whole orders under its old name.
    const first = await startDynamo(opts);
    const client = new DynamoDBClient({
      endpoint: first.endpoint,
      region: opts.region,
      credentials: opts.credentials,
    });
    const table = localTableName('orders');
    await client.send(new DeleteTableCommand({ TableName: table }));
    // Deleting and creating take a tick each in dynalite, as they take time on AWS: wait for each.
    const wait = { client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 };
    await waitUntilTableNotExists(wait, { TableName: table });
    const S = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [S('pk'), S('sk'), S('gsi3pk'), S('gsi3sk')],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byQueue',
            KeySchema: [
              { AttributeName: 'gsi3pk', KeyType: 'HASH' },
              { AttributeName: 'gsi3sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
    await waitUntilTableExists(wait, { TableName: table });
    client.destroy();
    await first.close();
    // Act
    const second = startDynamo(opts);
    // Assess: refused, naming the table, what it has and what is declared.
    await expect(second).rejects.toThrow(
      /orders table .* has indexes \[byQueue:ALL\].*byQueueItems:INCLUDE\(items\)/,
    );
  });

  it('starts again on data it made itself', async () => {
    const own = mkdtempSync(join(tmpdir(), 'caseline-dynamo-'));
    try {
      await (await startDynamo({ ...opts, dir: own })).close();
      const again = await startDynamo({ ...opts, dir: own });
      expect(again.tableNames.orders).toBe(localTableName('orders'));
      await again.close();
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
