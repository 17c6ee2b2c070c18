/**
 * DynamoDB tables, one per TABLES entry, with the keys and indexes the definition declares.
 * Physical names are left to CloudFormation so two stages can share an account.
 */

import { ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLES, type TableDefinition, type TableId } from './definitions';
import { mapRecord } from './records';
import { secureTableProps, tableKey } from './secure-defaults';

export interface DataProps {
  /** Encrypts the tables at rest (customer-managed key). */
  readonly encryptionKey: IKey;
}

const tableFor = (scope: Construct, definition: TableDefinition, encryptionKey: IKey): Table => {
  const table = new Table(scope, definition.id, {
    ...secureTableProps(encryptionKey),
    partitionKey: tableKey(definition.partitionKey),
    ...(definition.sortKey ? { sortKey: tableKey(definition.sortKey) } : {}),
  });
  for (const index of definition.globalIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: tableKey(index.partitionKey),
      ...(index.sortKey ? { sortKey: tableKey(index.sortKey) } : {}),
      projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
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
