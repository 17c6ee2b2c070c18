/**
 * The designer registry entries of the seeded designer users (local/seed.ts), so the work queue
 * has someone to offer jobs to on a fresh local stack. Synthetic people, as in seed.ts.
 *
 * Written through the real adapter, so the registry's index item is kept exactly as the
 * operator routes keep it. Idempotent: an entry already there (a stack restarted on .data/,
 * or one an operator has since changed) is left as it is.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDesignerRegistry } from '../lambdas/adapters/dynamo-designer-registry';
import type { CreateDesignerInput } from '../lambdas/domain/designers';
import { ConflictError } from '../lambdas/kernel/errors';
import { seedUser } from './seed';

const SEED_DESIGNERS: readonly Omit<CreateDesignerInput, 'designerId' | 'enabled'>[] = [
  {
    username: 'designer.priya',
    displayName: 'Priya',
    skills: ['crown', 'bridge', 'inlay-onlay', 'implant-abutment', 'implant-crown-bridge'],
    capacity: 3,
    country: 'IN',
  },
  {
    username: 'designer.marco',
    displayName: 'Marco',
    skills: ['crown', 'inlay-onlay', 'veneer', 'splint-night-guard'],
    capacity: 2,
    country: 'PH',
  },
  {
    username: 'designer.lin',
    displayName: 'Lin',
    skills: ['full-arch', 'denture', 'splint-night-guard', 'model'],
    capacity: 2,
    country: 'VN',
  },
];

export const seedDesigners = async (
  ddb: DynamoDBDocumentClient,
  table: string,
  now: string,
): Promise<void> => {
  const registry = new DynamoDesignerRegistry(ddb, table);
  for (const entry of SEED_DESIGNERS) {
    const user = seedUser(entry.username);
    // A designer here without a seeded user would be a registry entry nobody can sign in as.
    if (!user) throw new Error(`seed-designers: no seeded user ${entry.username} in local/seed.ts`);
    try {
      await registry.create({ ...entry, designerId: user.sub, enabled: true }, now);
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
  }
};
