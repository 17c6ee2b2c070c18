/**
 * The account registry on its own table (common/definitions.ts: accounts). One partition per
 * partner: the record (sk = ACCOUNT: legal name, BAA, security contacts, the policy, status,
 * termination) and its users (sk = USER#<sub>). Fills two ports: the account policies the
 * workflow reads (the defaults for an account never onboarded) and the registry itself.
 *
 * Account records carry gsi1pk = ACCOUNTS, so GET /accounts is a query of one index partition,
 * never a scan; a termination in progress also sits under gsi2pk = TERMINATION#PENDING, so the
 * purge sweep finds one killed midway with a query. Single-item conditional writes only (the
 * local stand-in has no transactions, and none are needed): every write of a record is
 * conditional on the version it was read at, and bumps it.
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { DEFAULT_POLICY } from '../domain/accounts';
import type {
  AccountPolicies,
  AccountPolicy,
  AccountRecord,
  AccountRegistry,
  AccountState,
  AccountUser,
} from '../domain/ports';
import type { AccountStatus } from '../domain/schemas/accounts';
import { isConditionFailure } from './dynamo-errors';

const RECORD = 'ACCOUNT';
const LISTING = 'ACCOUNTS';
const TERMINATION_PENDING = 'TERMINATION#PENDING';
const USER = 'USER#';

const STATUSES: readonly AccountStatus[] = ['ONBOARDING', 'ACTIVE', 'SUSPENDED', 'TERMINATING', 'TERMINATED'];

const recordFrom = (item: Record<string, unknown> | undefined): AccountRecord | undefined => {
  if (!item) return undefined;
  const {
    accountStatus,
    sk: _sk,
    gsi1pk: _1,
    gsi1sk: _2,
    gsi2pk: _3,
    gsi2sk: _4,
    terminationStartedBy: _5,
    ...rest
  } = item;
  return {
    ...DEFAULT_POLICY,
    ...(rest as Omit<AccountRecord, 'status'>),
    status: STATUSES.includes(accountStatus as AccountStatus)
      ? (accountStatus as AccountStatus)
      : 'ONBOARDING',
  };
};

const stateFrom = (record: AccountRecord | undefined): AccountState | undefined =>
  record && {
    status: record.status,
    ...(record.baa ? { baa: record.baa } : {}),
    ...(record.terminationStartedAt ? { terminationStartedAt: record.terminationStartedAt } : {}),
    ...(record.certificateId ? { certificateId: record.certificateId } : {}),
  };

export class DynamoAccountRegistry implements AccountPolicies, AccountRegistry {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private key(accountId: string) {
    return { accountId, sk: RECORD };
  }

  private itemOf(record: AccountRecord, version: number) {
    const { status, ...rest } = record;
    return { ...rest, sk: RECORD, accountStatus: status, version, gsi1pk: LISTING, gsi1sk: record.accountId };
  }

  async get(accountId: string): Promise<AccountRecord | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: this.key(accountId), ConsistentRead: true }),
    );
    return recordFrom(Item);
  }

  async policyFor(accountId: string): Promise<AccountPolicy> {
    const record = await this.get(accountId);
    return {
      retentionDays: record?.retentionDays ?? DEFAULT_POLICY.retentionDays,
      autoAcceptDays: record?.autoAcceptDays ?? DEFAULT_POLICY.autoAcceptDays,
      deletionGraceDays: record?.deletionGraceDays ?? DEFAULT_POLICY.deletionGraceDays,
    };
  }

  async stateOf(accountId: string): Promise<AccountState | undefined> {
    return stateFrom(await this.get(accountId));
  }

  async create(record: AccountRecord): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: this.itemOf(record, 1),
          ConditionExpression: 'attribute_not_exists(accountId)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * The whole record over the version it was read at. Never a terminating or terminated one: the
   * termination's own writes (below) are the only ones after it started.
   */
  async replace(record: AccountRecord): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: this.itemOf(record, record.version + 1),
          ConditionExpression: 'version = :v AND accountStatus IN (:o, :a, :s)',
          ExpressionAttributeValues: {
            ':v': record.version,
            ':o': 'ONBOARDING',
            ':a': 'ACTIVE',
            ':s': 'SUSPENDED',
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async list(limit: number, cursor?: string): Promise<{ accounts: AccountRecord[]; cursor?: string }> {
    const { Items = [], LastEvaluatedKey } = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byListing',
        KeyConditionExpression: cursor ? 'gsi1pk = :p AND gsi1sk > :c' : 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': LISTING, ...(cursor ? { ':c': cursor } : {}) },
        Limit: limit,
      }),
    );
    const accounts = Items.map((i) => recordFrom(i)).filter((r): r is AccountRecord => r !== undefined);
    const last = accounts.at(-1);
    return { accounts, ...(LastEvaluatedKey && last ? { cursor: last.accountId } : {}) };
  }

  async startTermination(accountId: string, at: string, by: string): Promise<AccountState | undefined> {
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.key(accountId),
          UpdateExpression:
            'SET accountStatus = :t, terminationStartedAt = if_not_exists(terminationStartedAt, :at), terminationStartedBy = if_not_exists(terminationStartedBy, :by), gsi2pk = :p, gsi2sk = if_not_exists(gsi2sk, :k) ADD version :one',
          ConditionExpression: 'attribute_exists(accountId) AND accountStatus <> :done',
          ExpressionAttributeValues: {
            ':t': 'TERMINATING',
            ':done': 'TERMINATED',
            ':at': at,
            ':by': by,
            ':p': TERMINATION_PENDING,
            ':k': `${at}#${accountId}`,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return stateFrom(recordFrom(Attributes));
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Unknown (undefined), or already TERMINATED (its state, certificate included).
      return this.stateOf(accountId);
    }
  }

  /** TERMINATED with its summary; the contacts' personal data goes with the account's data. */
  async finishTermination(accountId: string, at: string, certificateId: string): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(accountId),
        UpdateExpression:
          'SET accountStatus = :s, terminatedAt = :at, certificateId = :c, contacts = :none REMOVE gsi2pk, gsi2sk ADD version :one',
        ConditionExpression: 'attribute_exists(accountId)',
        ExpressionAttributeValues: {
          ':s': 'TERMINATED',
          ':at': at,
          ':c': certificateId,
          ':none': [],
          ':one': 1,
        },
      }),
    );
  }

  async terminating(limit: number): Promise<string[]> {
    const { Items = [] } = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byPending',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': TERMINATION_PENDING },
        Limit: limit,
      }),
    );
    return Items.map((i) => String(i.accountId));
  }

  async addUser(user: AccountUser): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...user, sk: `${USER}${user.sub}` },
          ConditionExpression: 'attribute_not_exists(accountId)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async users(accountId: string): Promise<AccountUser[]> {
    const out: AccountUser[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const { Items = [], LastEvaluatedKey } = await this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'accountId = :a AND begins_with(sk, :u)',
          ExpressionAttributeValues: { ':a': accountId, ':u': USER },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const { sk: _sk, ...user } of Items) out.push(user as AccountUser);
      start = LastEvaluatedKey;
    } while (start);
    return out;
  }

  async removeUser(accountId: string, sub: string): Promise<void> {
    await this.ddb.send(
      new DeleteCommand({ TableName: this.table, Key: { accountId, sk: `${USER}${sub}` } }),
    );
  }
}
