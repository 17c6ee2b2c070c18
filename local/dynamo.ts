/**
 * DynamoDB stand-in: dynalite, in memory or on disk, with the tables created from the same
 * definitions the CDK app deploys (common/definitions.ts).
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { localTableName, TABLES, type TableDefinition } from '../common/definitions';

export interface LocalDynamo {
  readonly endpoint: string;
  readonly tableNames: Readonly<Record<keyof typeof TABLES, string>>;
  close(): Promise<void>;
}

/** The CreateTable input for a table definition; `tableName` lets a test make a fresh copy. */
export const createTableInput = (def: TableDefinition, tableName = localTableName(def.id)) => {
  const attrs = new Map<string, 'S' | 'N'>();
  const add = (k?: { name: string; type: 'S' | 'N' }) => k && attrs.set(k.name, k.type);
  add(def.partitionKey);
  add(def.sortKey);
  for (const gsi of def.globalIndexes) {
    add(gsi.partitionKey);
    add(gsi.sortKey);
  }
  const keySchema = (pk: { name: string }, sk?: { name: string }) => [
    { AttributeName: pk.name, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk.name, KeyType: 'RANGE' as const }] : []),
  ];
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [...attrs].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.globalIndexes.length
      ? {
          GlobalSecondaryIndexes: def.globalIndexes.map((gsi) => ({
            IndexName: gsi.indexName,
            KeySchema: keySchema(gsi.partitionKey, gsi.sortKey),
            Projection: {
              ProjectionType: gsi.projection,
              ...(gsi.nonKeyAttributes ? { NonKeyAttributes: [...gsi.nonKeyAttributes] } : {}),
            },
          })),
        }
      : {}),
  };
};

/**
 * A table kept from an earlier run must have the indexes the definitions declare now: dynalite
 * cannot add an index to a table (nor can CloudFormation change one in place), and a query on a
 * missing index would fail far from the cause. Fails at start instead, saying what to do.
 */
const checkIndexes = async (client: DynamoDBClient, def: TableDefinition, dir: string | undefined) => {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: localTableName(def.id) }));
  const shape = (name: string, type: string | undefined, include: readonly string[] | undefined) =>
    `${name}:${type}${include?.length ? `(${[...include].sort().join(',')})` : ''}`;
  const have = (Table?.GlobalSecondaryIndexes ?? [])
    .map((i) => shape(i.IndexName ?? '', i.Projection?.ProjectionType, i.Projection?.NonKeyAttributes))
    .sort();
  const want = def.globalIndexes.map((i) => shape(i.indexName, i.projection, i.nonKeyAttributes)).sort();
  if (have.join(' ') !== want.join(' ')) {
    throw new Error(
      `The ${def.id} table kept in ${dir ?? 'memory'} has indexes [${have.join(', ')}], but ` +
        `common/definitions.ts declares [${want.join(', ')}]: move that directory aside, or start with --memory.`,
    );
  }
};

export const startDynamo = async (opts: {
  host: string;
  port: number;
  dir?: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
}): Promise<LocalDynamo> => {
  if (opts.dir) mkdirSync(opts.dir, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(opts.dir ? { path: opts.dir } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${opts.host}:${port}`;
  const client = new DynamoDBClient({ endpoint, region: opts.region, credentials: opts.credentials });
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  try {
    await Promise.all(
      Object.values(TABLES).map(async (def) => {
        try {
          await client.send(new CreateTableCommand(createTableInput(def)));
        } catch (error) {
          // Tables kept under .data/ from an earlier run are already there.
          if (!(error instanceof ResourceInUseException)) throw error;
          await checkIndexes(client, def, opts.dir);
        }
        // dynalite reports a new table CREATING until its next tick: wait for ACTIVE, never guess.
        await waitUntilTableExists(
          { client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
          { TableName: localTableName(def.id) },
        );
      }),
    );
  } catch (error) {
    await close();
    throw error;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    tableNames: Object.fromEntries(
      Object.keys(TABLES).map((id) => [id, localTableName(id as keyof typeof TABLES)]),
    ) as LocalDynamo['tableNames'],
    close,
  };
};
