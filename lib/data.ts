/**
 * DynamoDB tables, one per TABLES entry, with the keys and indexes the definition declares.
 * Physical names are left to CloudFormation so two stages can share an account.
 */

import { ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLES, type TableDefinition, type TableId } from '../common/definitions';
import { mapRecord } from './records';
import { APPEND_ONLY_DENIED, secureTableProps, tableKey } from './secure-defaults';

export interface DataProps {
  /** Encrypts the tables at rest (customer-managed key). */
  readonly encryptionKey: IKey;
}

/**
 * The table's own policy for an append-only table: no principal, whatever its IAM policies say
 * (an administrator's included), may update, delete or batch-write an item. `*` stands for the
 * table itself: a table policy cannot name its own ARN without a circular reference.
 */
const appendOnlyPolicy = (): PolicyDocument =>
  new PolicyDocument({
    statements: [
      new PolicyStatement({
        sid: 'AppendOnly',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [...APPEND_ONLY_DENIED],
        resources: ['*'],
      }),
    ],
  });

const tableFor = (scope: Construct, definition: TableDefinition, encryptionKey: IKey): Table => {
  const table = new Table(scope, definition.id, {
    ...secureTableProps(encryptionKey),
    ...(definition.appendOnly ? { resourcePolicy: appendOnlyPolicy() } : {}),
    partitionKey: tableKey(definition.partitionKey),
    ...(definition.sortKey ? { sortKey: tableKey(definition.sortKey) } : {}),
    ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
  });
  for (const index of definition.globalIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: tableKey(index.partitionKey),
      ...(index.sortKey ? { sortKey: tableKey(index.sortKey) } : {}),
      projectionType: ProjectionType[index.projection],
      ...(index.nonKeyAttributes ? { nonKeyAttributes: [...index.nonKeyAttributes] } : {}),
    });
  }
  return table;
};

export class Data extends Construct {
  public readonly tables: Readonly<Record<TableId, Table>>;

  constructor(scope: Construct, id: string, props: DataProps) {
    super(scope, id);
    this.tables = mapRecord(TABLES, (definition) => tableFor(this, definition, props.encryptionKey));
  }
}
