/**
 * Per-account policy (retention, auto-accept), kept as ACCOUNT#<id> / SETTINGS in the orders
 * table; an account without one gets the defaults, which the README states.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountPolicies, AccountPolicy } from '../domain/design';

/** Archived case files are kept two years unless the lab's agreement says otherwise. */
export const DEFAULT_RETENTION_DAYS = 730;
/** A delivered design not accepted or revised within a week is accepted. */
export const DEFAULT_AUTO_ACCEPT_DAYS = 7;
/** A lab's deletion request waits this long, so one made by mistake can be withdrawn. */
export const DEFAULT_DELETION_GRACE_DAYS = 30;

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
      deletionGraceDays:
        typeof Item?.deletionGraceDays === 'number' ? Item.deletionGraceDays : DEFAULT_DELETION_GRACE_DAYS,
    };
  }

  async setPolicy(
    accountId: string,
    policy: AccountPolicy,
    updatedAt: string,
    updatedBy: string,
  ): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `ACCOUNT#${accountId}`,
          sk: 'SETTINGS',
          entity: 'accountPolicy',
          ...policy,
          updatedAt,
          updatedBy,
        },
      }),
    );
  }
}
