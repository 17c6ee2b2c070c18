/**
 * A KMS key per partner account (lambdas/domain/ports.ts: AccountKeys). Found by its alias
 * (`alias/caseline/account/<accountId>`), created with a tag naming the account and a key policy
 * that lets only this stack's functions use it, and only for that account's encryption context
 * (common/key-policy.ts); rotation on. Shredding schedules its deletion: KMS refuses every
 * Decrypt while it is pending and destroys the key material at the end of the window.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  type KeyMetadata,
  type KMSClient,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { ACCOUNT_KEYS, accountKeyAlias } from '../../common/definitions';
import { accountKeyPolicy } from '../../common/key-policy';
import type { AccountKey, AccountKeys } from '../domain/ports';

export interface AccountKeySettings {
  /** This stack's role ARN pattern (ACCOUNT_KEY_USERS): the only principals the key policy admits. */
  readonly users: string;
  readonly region: string;
  /** The case-files bucket, whose ARN S3 binds as the encryption context of every object. */
  readonly bucket: string;
}

const isNotFound = (error: unknown) => (error as { name?: string })?.name === 'NotFoundException';
const isAlreadyExists = (error: unknown) => (error as { name?: string })?.name === 'AlreadyExistsException';
const isPendingDeletion = (error: unknown) =>
  (error as { name?: string })?.name === 'KMSInvalidStateException';

/** The smallest wait KMS allows: for a key that lost a race to become an account's key (never used). */
const ORPHAN_PENDING_DAYS = 7;

const toAccountKey = (metadata: KeyMetadata | undefined): AccountKey => {
  if (!metadata?.Arn || !metadata.KeyState) throw new Error('KMS described a key without ARN or state');
  return {
    keyId: metadata.Arn,
    state: metadata.KeyState as AccountKey['state'],
    ...(metadata.DeletionDate ? { deletionDate: new Date(metadata.DeletionDate).toISOString() } : {}),
  };
};

export class KmsAccountKeys implements AccountKeys {
  constructor(
    private readonly kms: KMSClient,
    private readonly settings: AccountKeySettings,
  ) {}

  async ensureKey(accountId: string): Promise<AccountKey> {
    const alias = accountKeyAlias(accountId);
    let key = await this.describe(alias);
    if (!key) {
      const { KeyMetadata } = await this.kms.send(
        new CreateKeyCommand({
          Description: `Caseline partner account ${accountId}: its PHI fields and case files.`,
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
          Policy: JSON.stringify(accountKeyPolicy({ accountId, ...this.settings })),
          Tags: [{ TagKey: ACCOUNT_KEYS.tagKey, TagValue: accountId }],
        }),
      );
      const created = toAccountKey(KeyMetadata);
      try {
        await this.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.keyId }));
        key = created;
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        // A concurrent onboarding aliased its key first: that one is the account's; this one never
        // encrypted anything and goes, after the shortest wait KMS allows.
        await this.kms.send(
          new ScheduleKeyDeletionCommand({ KeyId: created.keyId, PendingWindowInDays: ORPHAN_PENDING_DAYS }),
        );
        key = await this.describe(alias);
        if (!key) throw error;
      }
    }
    // Every time, not only after CreateKey: a first run cut off before this line left rotation off.
    // KMS accepts it again on a key that already rotates; a key pending deletion is left as it is.
    if (key.state === 'Enabled') await this.kms.send(new EnableKeyRotationCommand({ KeyId: key.keyId }));
    return key;
  }

  keyOf(accountId: string): Promise<AccountKey | undefined> {
    return this.describe(accountKeyAlias(accountId));
  }

  async scheduleDeletion(accountId: string, pendingWindowDays: number): Promise<AccountKey | undefined> {
    const key = await this.describe(accountKeyAlias(accountId));
    if (!key) return undefined;
    if (key.state === 'PendingDeletion') return key;
    try {
      const out = await this.kms.send(
        new ScheduleKeyDeletionCommand({ KeyId: key.keyId, PendingWindowInDays: pendingWindowDays }),
      );
      if (!out.DeletionDate) throw new Error('KMS scheduled a deletion without a date');
      return {
        keyId: key.keyId,
        state: 'PendingDeletion',
        deletionDate: new Date(out.DeletionDate).toISOString(),
      };
    } catch (error) {
      // Scheduled by a concurrent run between our describe and our call: its date stands.
      if (!isPendingDeletion(error)) throw error;
      const now = await this.describe(accountKeyAlias(accountId));
      if (now?.state !== 'PendingDeletion') throw error;
      return now;
    }
  }

  /** The key an alias names, undefined when there is none (a deleted key takes its aliases with it). */
  private async describe(alias: string): Promise<AccountKey | undefined> {
    try {
      const { KeyMetadata } = await this.kms.send(new DescribeKeyCommand({ KeyId: alias }));
      return toAccountKey(KeyMetadata);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}
