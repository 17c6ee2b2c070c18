/**
 * PHI fields encrypted directly with KMS (they are small: well under KMS's 4 KB limit), under the
 * key of the account they belong to (`alias/caseline/account/<accountId>`, created at onboarding):
 * shredding that key at termination leaves every copy of them unreadable. The encryption context
 * binds each blob to its account and record, so a blob copied onto another order (or another
 * account) will not decrypt, the account key's policy refuses any other account's context, and
 * every decrypt is in CloudTrail with that context.
 *
 * Decrypt names no key: KMS reads the key id from the ciphertext. Fields written before accounts
 * had keys were encrypted under the shared case-data key and stay readable that way (the role may
 * still Decrypt with it); nothing new is written under it.
 */
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { ACCOUNT_KEYS, accountKeyAlias } from '../../common/definitions';
import type { PhiCipher } from '../domain/ports';
import { ConflictError } from '../kernel/errors';

export class KmsPhiCipher implements PhiCipher {
  constructor(private readonly kms: KMSClient) {}

  async encrypt(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const accountId = context[ACCOUNT_KEYS.contextKey];
    if (!accountId)
      throw new Error('A PHI field must be bound to its account (encryption context accountId)');
    let out: { CiphertextBlob?: Uint8Array | undefined };
    try {
      out = await this.kms.send(
        new EncryptCommand({
          KeyId: accountKeyAlias(accountId),
          Plaintext: Buffer.from(plaintext, 'utf8'),
          EncryptionContext: { ...context },
        }),
      );
    } catch (error) {
      if ((error as { name?: string })?.name !== 'NotFoundException') throw error;
      throw new ConflictError(
        `Account ${accountId} has no encryption key yet, so it cannot hold patient data: its onboarding is not finished. Caseline operations can complete it.`,
        'ACCOUNT_KEY_MISSING',
        { accountId },
        { cause: error },
      );
    }
    if (!out.CiphertextBlob) throw new Error('KMS returned no ciphertext');
    return Buffer.from(out.CiphertextBlob).toString('base64');
  }

  async decrypt(ciphertext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const { Plaintext } = await this.kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(ciphertext, 'base64'),
        EncryptionContext: { ...context },
      }),
    );
    if (!Plaintext) throw new Error('KMS returned no plaintext');
    return Buffer.from(Plaintext).toString('utf8');
  }
}
