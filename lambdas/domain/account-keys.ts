/**
 * A partner account's own KMS key in the order pipeline: its case files are written under it
 * (the presigned PUT names its id), and its termination shreds it once the purge is done.
 */
import { ACCOUNT_KEYS } from '../../common/definitions';
import { ConflictError } from '../kernel/errors';
import type { AccountKey, AccountKeys } from './ports';

/** The ARN of the account's key, for an upload; an account without a usable key holds no PHI. */
export const uploadKeyOf = async (deps: { accountKeys: AccountKeys }, accountId: string): Promise<string> => {
  const key = await deps.accountKeys.keyOf(accountId);
  if (key?.state !== 'Enabled') {
    throw new ConflictError(
      `Account ${accountId} has no usable encryption key, so it cannot receive files: its onboarding is not finished or it was terminated.`,
      'ACCOUNT_KEY_MISSING',
      { accountId },
    );
  }
  return key.keyId;
};

/**
 * Once an account's data is purged: its key is scheduled for deletion at the end of the backup
 * window (ACCOUNT_KEYS.pendingWindowDays), after which no backup, PITR copy, noncurrent version
 * or kept ciphertext of the account can be decrypted. Idempotent: a re-run gets the same date.
 */
export const shredAccountKey = (
  deps: { accountKeys: AccountKeys },
  accountId: string,
): Promise<AccountKey | undefined> =>
  deps.accountKeys.scheduleDeletion(accountId, ACCOUNT_KEYS.pendingWindowDays);
