/**
 * Per-account policy (retention, auto-accept), kept as ACCOUNT#<id> / SETTINGS in the orders
 * table; an account without one gets the defaults, which the README states.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountPolicies, AccountPolicy } from '../domain/design';

/** Archived case files are kept two years unless the lab's agreement says otherwise. */
export const DEFAULT_RETENTION_DAYS = 730;
/** A delivered design not accepted or revised within a week is accepted. */
export const DEFAULT_AUTO_ACCEPT_DAYS = 7;

export class DynamoAccountPolicies implements AccountPolicies {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async policyFor(accountId: string): Promise<AccountPolicy> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: { pk: `ACCOUNT#${accountId}`, sk: 'SETTINGS' } }),
    );
    return {
      retentionDays: typeof Item?.retentionDays === 'number' ? Item.retentionDays : DEFAULT_RETENTION_DAYS,
      autoAcceptDays:
        typeof Item?.autoAcceptDays === 'number' ? Item.autoAcceptDays : DEFAULT_AUTO_ACCEPT_DAYS,
    };
  }
}
