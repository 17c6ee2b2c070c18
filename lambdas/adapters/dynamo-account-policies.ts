/**
 * Partner accounts, kept as ACCOUNT#<id> / SETTINGS in the orders table: the account's policy
 * (retention, auto-accept, deletion grace) and where it stands (ACTIVE, TERMINATING, TERMINATED).
 * The record is what makes an account known: operators create it with the policy PUT when a
 * partner is set up (the local stack seeds one per seeded lab). The workflow reads the policy of
 * an account without one as the defaults, which the README states.
 *
 * A termination in progress also sits in the sparse lookup index under TERMINATION#PENDING, so
 * the purge sweep finds one that was killed midway with a query, never a scan. Single-item
 * conditional writes only (the local stand-in has no transactions, and none are needed).
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountPolicies, AccountPolicy, AccountRegistry, AccountState } from '../domain/ports';
import { isConditionFailure } from './dynamo-errors';

/** Archived case files are kept two years unless the lab's agreement says otherwise. */
export const DEFAULT_RETENTION_DAYS = 730;
/** A delivered design not accepted or revised within a week is accepted. */
export const DEFAULT_AUTO_ACCEPT_DAYS = 7;
/** A lab's deletion request waits this long, so one made by mistake can be withdrawn. */
export const DEFAULT_DELETION_GRACE_DAYS = 30;

const TERMINATION_PENDING = 'TERMINATION#PENDING';

const stateFrom = (item: Record<string, unknown> | undefined): AccountState | undefined => {
  if (!item) return undefined;
  const status = item.accountStatus;
  return {
    status: status === 'TERMINATING' || status === 'TERMINATED' ? status : 'ACTIVE',
    ...(typeof item.terminationStartedAt === 'string'
      ? { terminationStartedAt: item.terminationStartedAt }
      : {}),
    ...(typeof item.certificateId === 'string' ? { certificateId: item.certificateId } : {}),
  };
};

export class DynamoAccountPolicies implements AccountPolicies, AccountRegistry {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(accountId: string) {
    return { pk: `ACCOUNT#${accountId}`, sk: 'SETTINGS' };
  }

  private async item(accountId: string) {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: this.key(accountId), ConsistentRead: true }),
    );
    return Item;
  }

  async policyFor(accountId: string): Promise<AccountPolicy> {
    const Item = await this.item(accountId);
    return {
      retentionDays: typeof Item?.retentionDays === 'number' ? Item.retentionDays : DEFAULT_RETENTION_DAYS,
      autoAcceptDays:
        typeof Item?.autoAcceptDays === 'number' ? Item.autoAcceptDays : DEFAULT_AUTO_ACCEPT_DAYS,
      deletionGraceDays:
        typeof Item?.deletionGraceDays === 'number' ? Item.deletionGraceDays : DEFAULT_DELETION_GRACE_DAYS,
    };
  }

  /** Sets the policy fields only: the account's status and termination record are kept. */
  async setPolicy(
    accountId: string,
    policy: AccountPolicy,
    updatedAt: string,
    updatedBy: string,
  ): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(accountId),
        UpdateExpression:
          'SET entity = :e, retentionDays = :r, autoAcceptDays = :a, deletionGraceDays = :g, updatedAt = :at, updatedBy = :by',
        ExpressionAttributeValues: {
          ':e': 'accountPolicy',
          ':r': policy.retentionDays,
          ':a': policy.autoAcceptDays,
          ':g': policy.deletionGraceDays,
          ':at': updatedAt,
          ':by': updatedBy,
        },
      }),
    );
  }

  async stateOf(accountId: string): Promise<AccountState | undefined> {
    return stateFrom(await this.item(accountId));
  }

  async startTermination(accountId: string, at: string, by: string): Promise<AccountState | undefined> {
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId),
          UpdateExpression:
            'SET accountStatus = :t, terminationStartedAt = if_not_exists(terminationStartedAt, :at), terminationStartedBy = if_not_exists(terminationStartedBy, :by), gsi2pk = :p, gsi2sk = if_not_exists(gsi2sk, :k)',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(accountStatus) OR accountStatus <> :done)',
          ExpressionAttributeValues: {
            ':t': 'TERMINATING',
            ':done': 'TERMINATED',
            ':at': at,
            ':by': by,
            ':p': TERMINATION_PENDING,
            ':k': `${at}#${accountId}`,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stateFrom(Attributes);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Unknown (undefined), or already TERMINATED (its state, certificate included).
      return this.stateOf(accountId);
    }
  }

  async finishTermination(accountId: string, at: string, certificateId: string): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(accountId),
        UpdateExpression:
          'SET accountStatus = :s, terminatedAt = :at, certificateId = :c REMOVE gsi2pk, gsi2sk',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':s': 'TERMINATED', ':at': at, ':c': certificateId },
      }),
    );
  }

  async terminating(limit: number): Promise<string[]> {
    const { Items = [] } = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byLookup',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': TERMINATION_PENDING },
        Limit: limit,
      }),
    );
    return Items.map((i) => String(i.pk).replace(/^ACCOUNT#/, ''));
  }
}
