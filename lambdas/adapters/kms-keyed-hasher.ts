/**
 * A keyed hash with a KMS HMAC key (HMAC_256, GenerateMac): the secret never leaves KMS, so a
 * table export of guard keys cannot be tested against guessed case numbers, and every hash is in
 * CloudTrail. Messages are small identifiers, well under KMS's 4 KB limit.
 */
import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { KeyedHasher } from '../domain/ports';

export class KmsKeyedHasher implements KeyedHasher {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async mac(message: string): Promise<string> {
    const { Mac } = await this.kms.send(
      new GenerateMacCommand({
        KeyId: this.keyId,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: Buffer.from(message, 'utf8'),
      }),
    );
    if (!Mac) throw new Error('KMS returned no MAC');
    return Buffer.from(Mac).toString('base64url');
  }
}
