/**
 * Signs deletion certificates with the certificate-signing KMS key (ECC_NIST_P256, SIGN_VERIFY):
 * the private key never leaves KMS, and each Sign call is in CloudTrail.
 *
 * KMS signs at most 4096 bytes of message; a big order's certificate is longer, so beyond that we
 * send its SHA-256 with MessageType DIGEST. For ECDSA_SHA_256 both give the same kind of signature,
 * checked by a verifier over the full message, so verifiers never need to know which path was taken.
 *
 * The public key is fetched once per process. If the configured alias is moved to a new key, the
 * Sign response names the new key, the cached public key is dropped, and signCertificate's own
 * check refuses that one signature rather than hand out a certificate signed by an unannounced key.
 */
import { createHash } from 'node:crypto';
import {
  GetPublicKeyCommand,
  type KMSClient,
  SignCommand,
  type SignCommandOutput,
} from '@aws-sdk/client-kms';
import { type CertificateSigner, CertificateSigningError, SIGNING_ALGORITHM } from '../domain/certificate';

/** KMS's limit on a RAW message for Sign. */
export const MAX_RAW_MESSAGE_BYTES = 4096;

/** A key's own id, from its id or key ARN (aliases are left as they are). */
const keyUuid = (keyId: string): string => keyId.replace(/^arn:[^:]+:kms:[^:]*:[^:]*:key\//, '');

/** The better name for the same key: its ARN (some KMS emulators name only the bare id). */
const betterName = (previous: string | undefined, next: string): string =>
  previous?.startsWith('arn:') && !next.startsWith('arn:') && keyUuid(previous) === keyUuid(next)
    ? previous
    : next;

export class KmsCertificateSigner implements CertificateSigner {
  private publicKey: Promise<Uint8Array> | undefined;
  /** The key the cached public key belongs to. */
  private publicKeyOf: string | undefined;
  /** The key as KMS last named it (Sign or GetPublicKey). */
  private knownKeyId: string | undefined;

  constructor(
    private readonly kms: KMSClient,
    /** Key id, key ARN, alias name or alias ARN (CERTIFICATE_SIGNING_KEY_ID). */
    private readonly configuredKeyId: string,
  ) {}

  /** The signing key's ARN once KMS has named it, the configured id before. */
  keyId(): string {
    return this.knownKeyId ?? this.configuredKeyId;
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    const raw = message.byteLength <= MAX_RAW_MESSAGE_BYTES;
    let response: SignCommandOutput;
    try {
      response = await this.kms.send(
        new SignCommand({
          KeyId: this.configuredKeyId,
          SigningAlgorithm: SIGNING_ALGORITHM,
          ...(raw
            ? { MessageType: 'RAW', Message: message }
            : { MessageType: 'DIGEST', Message: createHash('sha256').update(message).digest() }),
        }),
      );
    } catch (error) {
      throw new CertificateSigningError('KMS did not sign the deletion certificate', { cause: error });
    }
    const { Signature, KeyId } = response;
    if (!Signature?.byteLength) throw new CertificateSigningError('KMS returned no signature');
    if (KeyId) {
      // The alias now points elsewhere: the cached public key is not this signature's.
      if (this.publicKeyOf !== undefined && keyUuid(this.publicKeyOf) !== keyUuid(KeyId)) {
        this.publicKey = undefined;
        this.publicKeyOf = undefined;
      }
      this.knownKeyId = betterName(this.knownKeyId, KeyId);
    }
    return Signature;
  }

  async publicKeyDer(): Promise<Uint8Array> {
    this.publicKey ??= this.fetchPublicKey().catch((error: unknown) => {
      this.publicKey = undefined;
      throw error;
    });
    return this.publicKey;
  }

  private async fetchPublicKey(): Promise<Uint8Array> {
    const response = await this.kms
      .send(new GetPublicKeyCommand({ KeyId: this.configuredKeyId }))
      .catch((error: unknown) => {
        throw new CertificateSigningError('KMS did not return the certificate-signing public key', {
          cause: error,
        });
      });
    // moto names the spec only in the deprecated CustomerMasterKeySpec.
    const spec = response.KeySpec ?? response.CustomerMasterKeySpec;
    if (response.KeyUsage !== 'SIGN_VERIFY' || spec !== 'ECC_NIST_P256') {
      throw new CertificateSigningError(
        `The certificate-signing key must be ECC_NIST_P256 for SIGN_VERIFY, not ${spec} for ${response.KeyUsage}`,
      );
    }
    if (!response.PublicKey?.byteLength) throw new CertificateSigningError('KMS returned no public key');
    const keyId = response.KeyId ?? this.configuredKeyId;
    this.publicKeyOf = keyId;
    this.knownKeyId = betterName(this.knownKeyId, keyId);
    return response.PublicKey;
  }
}
