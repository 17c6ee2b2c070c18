/**
 * The users and accounts the local stack seeds. Synthetic: no real people, no real labs.
 * On AWS these are Cognito users in groups, with the custom attribute account_id.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AccountKeys } from '../lambdas/domain/ports';
import type { Role } from '../lib/functions';

export interface SeedUser {
  readonly username: string;
  readonly sub: string;
  readonly roles: readonly Role[];
  readonly accountId: string;
  readonly description: string;
}

/** Our own organisation: designers, officers, auditors and operators belong to it. */
export const STAFF_ACCOUNT = 'caseline';

export const SEED_USERS: readonly SeedUser[] = [
  {
    username: 'lab.acme',
    sub: 'u-lab-acme-1',
    roles: ['lab'],
    accountId: 'lab-acme',
    description: 'technician at Acme Dental Lab',
  },
  {
    username: 'lab.acme2',
    sub: 'u-lab-acme-2',
    roles: ['lab'],
    accountId: 'lab-acme',
    description: 'second technician at Acme Dental Lab',
  },
  {
    username: 'lab.bright',
    sub: 'u-lab-bright-1',
    roles: ['lab'],
    accountId: 'lab-bright',
    description: 'technician at Bright Smile Lab',
  },
  {
    username: 'lab.coast',
    sub: 'u-lab-coast-1',
    roles: ['lab'],
    accountId: 'lab-coast',
    description: 'technician at Coast Prosthetics',
  },
  // Lab administrators (role lab-admin): data portability exports of their own account.
  {
    username: 'lab-acme-admin',
    sub: 'u-lab-acme-admin',
    roles: ['lab-admin'],
    accountId: 'lab-acme',
    description: 'administrator of Acme Dental Lab',
  },
  // A lab of its own for the export tests, so no other suite's purge or termination races them.
  {
    username: 'lab.delta',
    sub: 'u-lab-delta-1',
    roles: ['lab'],
    accountId: 'lab-delta',
    description: 'technician at Delta Dental Studio',
  },
  {
    username: 'lab-delta-admin',
    sub: 'u-lab-delta-admin',
    roles: ['lab-admin'],
    accountId: 'lab-delta',
    description: 'administrator of Delta Dental Studio',
  },
  {
    username: 'designer.priya',
    sub: 'u-des-priya',
    roles: ['designer'],
    accountId: STAFF_ACCOUNT,
    description: 'designer (crowns, bridges, implants)',
  },
  {
    username: 'designer.marco',
    sub: 'u-des-marco',
    roles: ['designer'],
    accountId: STAFF_ACCOUNT,
    description: 'designer (crowns, veneers, splints)',
  },
  {
    username: 'designer.lin',
    sub: 'u-des-lin',
    roles: ['designer'],
    accountId: STAFF_ACCOUNT,
    description: 'designer (full-arch, dentures, models)',
  },
  {
    username: 'officer.olivia',
    sub: 'u-po-olivia',
    roles: ['privacy-officer'],
    accountId: STAFF_ACCOUNT,
    description: 'privacy officer',
  },
  {
    username: 'auditor.ann',
    sub: 'u-aud-ann',
    roles: ['auditor'],
    accountId: STAFF_ACCOUNT,
    description: 'auditor (read-only audit access)',
  },
  {
    username: 'operator.omar',
    sub: 'u-op-omar',
    roles: ['operator'],
    accountId: STAFF_ACCOUNT,
    description: 'operator (runs the service, moves the local clock)',
  },
];

export const seedUser = (username: string): SeedUser | undefined =>
  SEED_USERS.find((u) => u.username === username);

/**
 * Every seeded lab account is set up (a stored policy makes an account known: GET of its policy
 * answers, termination accepts it). Policies that differ from the defaults (730 days' retention,
 * auto-accept after 7 days, 30 days' deletion grace): Coast Prosthetics' agreement keeps archived
 * cases 10 years (the DPA in seed 003) and accepts undecided deliveries after 5 days.
 */
export const SEED_ACCOUNT_POLICIES: Readonly<
  Record<string, { retentionDays: number; autoAcceptDays: number; deletionGraceDays: number }>
> = {
  'lab-acme': { retentionDays: 730, autoAcceptDays: 7, deletionGraceDays: 30 },
  'lab-bright': { retentionDays: 730, autoAcceptDays: 7, deletionGraceDays: 30 },
  'lab-coast': { retentionDays: 3650, autoAcceptDays: 5, deletionGraceDays: 30 },
  'lab-delta': { retentionDays: 730, autoAcceptDays: 7, deletionGraceDays: 30 },
};

/** Written once: a restart on disk keeps what operators changed since (a policy, a termination). */
export const seedAccountPolicies = async (ddb: DynamoDBDocumentClient, table: string): Promise<void> => {
  await Promise.all(
    Object.entries(SEED_ACCOUNT_POLICIES).map(([accountId, policy]) =>
      ddb
        .send(
          new PutCommand({
            TableName: table,
            Item: { pk: `ACCOUNT#${accountId}`, sk: 'SETTINGS', entity: 'accountPolicy', ...policy },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        )
        .catch((error: unknown) => {
          if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        }),
    ),
  );
};

/**
 * Every seeded partner account that is still a partner gets its own KMS key, as onboarding gives
 * one: idempotent (a restart on `.data/` finds the alias and keeps the key). A terminated account
 * gets none: its key was shredded, and a fresh one would only invite new data.
 */
export const seedAccountKeys = async (
  ddb: DynamoDBDocumentClient,
  table: string,
  keys: Pick<AccountKeys, 'ensureKey'>,
): Promise<void> => {
  await Promise.all(
    Object.keys(SEED_ACCOUNT_POLICIES).map(async (accountId) => {
      const { Item } = await ddb.send(
        new GetCommand({
          TableName: table,
          Key: { pk: `ACCOUNT#${accountId}`, sk: 'SETTINGS' },
          ConsistentRead: true,
        }),
      );
      const status = Item?.accountStatus;
      if (status === 'TERMINATING' || status === 'TERMINATED') return;
      await keys.ensureKey(accountId);
    }),
  );
};
