/**
 * The users and accounts the local stack seeds. Synthetic: no real people, no real labs.
 * On AWS these are Cognito users in groups, with the custom attribute account_id.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAccountRegistry } from '../lambdas/adapters/dynamo-account-registry';
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
  // A lab of its own for the export tests, so no other suite's purge or termination races them.
  {
    username: 'lab.echo',
    sub: 'u-lab-echo-1',
    roles: ['lab'],
    accountId: 'lab-echo',
    description: 'technician at Echo Dental Studio',
  },
  {
    username: 'admin.echo',
    sub: 'u-lab-echo-admin',
    roles: ['lab-admin'],
    accountId: 'lab-echo',
    description: 'administrator of Echo Dental Studio',
  },
  {
    username: 'admin.acme',
    sub: 'u-lab-acme-admin',
    roles: ['lab-admin'],
    accountId: 'lab-acme',
    description: 'lab-admin of Acme Dental Lab (users, contacts)',
  },
  {
    username: 'admin.bright',
    sub: 'u-lab-bright-admin',
    roles: ['lab-admin'],
    accountId: 'lab-bright',
    description: 'lab-admin of Bright Smile Lab',
  },
  {
    username: 'admin.coast',
    sub: 'u-lab-coast-admin',
    roles: ['lab-admin'],
    accountId: 'lab-coast',
    description: 'lab-admin of Coast Prosthetics',
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
 * Every seeded lab is an ACTIVE partner with a BAA on file (seed 002: no PHI before one) and one
 * security contact. Policies that differ from the defaults (730 days' retention, auto-accept after
 * 7 days, 30 days' deletion grace): Coast Prosthetics' agreement keeps archived cases 10 years
 * (the DPA in seed 003) and accepts undecided deliveries after 5 days. Synthetic names and
 * numbers (555 numbers, example.com addresses).
 */
export const SEED_ACCOUNTS: readonly {
  readonly accountId: string;
  readonly legalName: string;
  readonly state: string;
  readonly retentionDays: number;
  readonly autoAcceptDays: number;
  readonly deletionGraceDays: number;
}[] = [
  {
    accountId: 'lab-acme',
    legalName: 'Acme Dental Lab LLC',
    state: 'CA',
    retentionDays: 730,
    autoAcceptDays: 7,
    deletionGraceDays: 30,
  },
  {
    accountId: 'lab-bright',
    legalName: 'Bright Smile Lab Inc.',
    state: 'TX',
    retentionDays: 730,
    autoAcceptDays: 7,
    deletionGraceDays: 30,
  },
  {
    accountId: 'lab-coast',
    legalName: 'Coast Prosthetics Corp.',
    state: 'OR',
    retentionDays: 3650,
    autoAcceptDays: 5,
    deletionGraceDays: 30,
  },
  // A lab of its own for the export tests, so no other suite's purge or termination races them.
  {
    accountId: 'lab-echo',
    legalName: 'Echo Dental Studio LLC',
    state: 'NY',
    retentionDays: 730,
    autoAcceptDays: 7,
    deletionGraceDays: 30,
  },
];

/** Written once (a conditional create): a restart on disk keeps what operators changed since. */
export const seedAccounts = async (
  ddb: DynamoDBDocumentClient,
  table: string,
  now: string,
): Promise<void> => {
  const registry = new DynamoAccountRegistry(ddb, table);
  await Promise.all(
    SEED_ACCOUNTS.map((a, i) =>
      registry.create({
        ...a,
        country: 'US',
        status: 'ACTIVE',
        baa: { signedAt: '2025-12-15', version: '2025.2', effectiveAt: '2026-01-01', breachNoticeHours: 24 },
        contacts: [
          {
            name: `Security Officer ${i + 1}`,
            email: `security@${a.accountId}.example.com`,
            phone: `+1555010000${i}`,
            notices: ['breach', 'security-incident', 'termination'],
          },
        ],
        createdAt: now,
        createdBy: 'seed',
        updatedAt: now,
        updatedBy: 'seed',
        version: 1,
      }),
    ),
  );
  // Their users, as the registry lists them (an invitation writes the same entry).
  await Promise.all(
    SEED_USERS.filter((u) => u.accountId !== STAFF_ACCOUNT).map((u) =>
      registry.addUser({
        accountId: u.accountId,
        username: u.username,
        sub: u.sub,
        email: `${u.username}@${u.accountId}.example.com`,
        role: u.roles.includes('lab-admin') ? 'lab-admin' : 'lab',
        invitedAt: now,
        invitedBy: 'seed',
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
  const registry = new DynamoAccountRegistry(ddb, table);
  await Promise.all(
    SEED_ACCOUNTS.map(async ({ accountId }) => {
      const status = (await registry.get(accountId))?.status;
      if (status === 'TERMINATING' || status === 'TERMINATED') return;
      await keys.ensureKey(accountId);
    }),
  );
};
