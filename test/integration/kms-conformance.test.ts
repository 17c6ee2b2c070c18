/**
 * Conformance of the KMS stand-in: one suite of behaviour tests, run through the real KMSClient
 * against our stand-in and, where it is installed, against moto_server, an independent
 * implementation of the same protocol. Each target creates its own keys through the API.
 *
 * Where moto 5 departs from real KMS, the AWS behaviour is asserted for the stand-in only
 * (`strict`), and moto is held to the weaker property it does have (usually: it refuses too).
 */

import {
  constants,
  createHash,
  createPublicKey,
  type KeyObject,
  randomBytes,
  randomUUID,
  verify,
} from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  type CreateKeyCommandInput,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateMacCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  GetPublicKeyCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
  type SigningAlgorithmSpec,
  UpdateKeyDescriptionCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKmsServer } from '../../local/kms/server';
import { type Running, requireMoto } from '../support/moto';

const REGION = 'us-east-1';

interface Target {
  name: string;
  /** Also assert what real KMS does where moto 5 does not (see the notes at each use). */
  strict: boolean;
  start(): Promise<Running>;
}

const startStandIn = async (): Promise<Running> => {
  const server = await startKmsServer({ region: REGION, accountId: '111122223333', port: 0 });
  return { endpoint: server.endpoint, stop: () => server.close() };
};

const TARGETS: Target[] = [
  { name: 'local stand-in', strict: true, start: startStandIn },
  { name: 'moto_server', strict: false, start: requireMoto },
];

const clientFor = (endpoint: string, region = REGION) =>
  new KMSClient({
    endpoint,
    region,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy-secret' },
    maxAttempts: 1,
  });

/** The exception name a call fails with, or 'resolved'. */
const failure = (call: Promise<unknown>): Promise<string> =>
  call.then(
    () => 'resolved',
    (error: Error) => error.name,
  );

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

describe.each(TARGETS)('KMS conformance: $name', ({ strict, start }) => {
  describe('behaves like KMS', () => {
    let running: Running | undefined;
    let kms: KMSClient;
    const keys = {
      symmetric: '',
      symmetricArn: '',
      other: '',
      ecc: '',
      rsa: '',
      hmac: '',
      hmac2: '',
      toggled: '',
    };
    const alias = 'alias/conformance/case-data';
    const context = { accountId: 'lab-acme', orderId: 'ord_1' };

    beforeAll(async () => {
      running = await start();
      kms = clientFor(running.endpoint);
      const create = async (input: CreateKeyCommandInput) => {
        const { KeyMetadata } = await kms.send(new CreateKeyCommand(input));
        return { id: KeyMetadata?.KeyId ?? '', arn: KeyMetadata?.Arn ?? '' };
      };
      const symmetric = await create({ Description: 'case data' });
      keys.symmetric = symmetric.id;
      keys.symmetricArn = symmetric.arn;
      keys.other = (await create({ Description: 'another tenant' })).id;
      keys.ecc = (await create({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })).id;
      keys.rsa = (await create({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' })).id;
      keys.hmac = (await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).id;
      keys.hmac2 = (await create({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' })).id;
      keys.toggled = (await create({ Description: 'disabled and enabled again' })).id;
      await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keys.symmetric }));
    }, 40_000);

    afterAll(async () => {
      kms?.destroy();
      await running?.stop();
    });

    const encrypt = async (plaintext: string, encryptionContext?: Record<string, string>) => {
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({
          KeyId: keys.symmetric,
          Plaintext: Buffer.from(plaintext),
          EncryptionContext: encryptionContext,
        }),
      );
      return Buffer.from(CiphertextBlob ?? []);
    };

    it('describes keys with the metadata KMS returns', async () => {
      const { KeyMetadata: symmetric } = await kms.send(new DescribeKeyCommand({ KeyId: keys.symmetric }));
      expect(symmetric).toMatchObject({
        KeyId: keys.symmetric,
        Arn: expect.stringMatching(new RegExp(`^arn:aws:kms:${REGION}:\\d{12}:key/${keys.symmetric}$`)),
        KeySpec: 'SYMMETRIC_DEFAULT',
        // KMS defaults KeyUsage to ENCRYPT_DECRYPT; moto 5 leaves it out when CreateKey did not name it.
        ...(strict ? { KeyUsage: 'ENCRYPT_DECRYPT' } : {}),
        KeyState: 'Enabled',
        Enabled: true,
        Origin: 'AWS_KMS',
        KeyManager: 'CUSTOMER',
        EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
      });
      expect(symmetric?.CreationDate).toBeInstanceOf(Date);
      const { KeyMetadata: ecc } = await kms.send(new DescribeKeyCommand({ KeyId: keys.ecc }));
      expect(ecc).toMatchObject({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ECDSA_SHA_256'],
      });
      const { KeyMetadata: rsa } = await kms.send(new DescribeKeyCommand({ KeyId: keys.rsa }));
      expect(rsa?.SigningAlgorithms).toEqual(
        expect.arrayContaining(['RSASSA_PSS_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_256']),
      );
    });

    it('round-trips a plaintext under an encryption context, naming the key by its ARN', async () => {
      const blob = await encrypt('J.D. 1984-03-02', context);
      expect(blob.includes(Buffer.from('J.D.'))).toBe(false);
      const decrypted = await kms.send(
        new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }),
      );
      expect(text(decrypted.Plaintext)).toBe('J.D. 1984-03-02');
      expect(decrypted.KeyId).toBe(keys.symmetricArn);
      // The context is a set of pairs: the order they are sent in does not matter.
      const reordered = { orderId: context.orderId, accountId: context.accountId };
      const again = await kms.send(
        new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: reordered }),
      );
      expect(text(again.Plaintext)).toBe('J.D. 1984-03-02');
    });

    it('refuses to decrypt under a different, missing or extra encryption context', async () => {
      const blob = await encrypt('JD', context);
      for (const EncryptionContext of [
        { ...context, orderId: 'ord_2' },
        undefined,
        { ...context, purpose: 'export' },
        { [context.accountId]: context.orderId },
      ]) {
        expect(await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext })))).toBe(
          'InvalidCiphertextException',
        );
      }
      const bare = await encrypt('JD');
      expect(
        await failure(kms.send(new DecryptCommand({ CiphertextBlob: bare, EncryptionContext: context }))),
      ).toBe('InvalidCiphertextException');
    });

    it('refuses a tampered or truncated ciphertext', async () => {
      const blob = await encrypt('hello world', context);
      // The last byte is ciphertext and byte 40 lies in the IV, for both targets' blob layouts.
      for (const index of [blob.length - 1, 40]) {
        const tampered = Buffer.from(blob);
        tampered[index] = (tampered[index] ?? 0) ^ 0x01;
        expect(
          await failure(
            kms.send(new DecryptCommand({ CiphertextBlob: tampered, EncryptionContext: context })),
          ),
        ).toBe('InvalidCiphertextException');
      }
      const truncated = blob.subarray(0, blob.length - 1);
      expect(
        await failure(
          kms.send(new DecryptCommand({ CiphertextBlob: truncated, EncryptionContext: context })),
        ),
      ).toBe('InvalidCiphertextException');
      // KMS answers InvalidCiphertextException for bytes that are no ciphertext at all; moto 5 parses
      // a key id out of them and answers AccessDeniedException. Both refuse.
      const garbage = await failure(kms.send(new DecryptCommand({ CiphertextBlob: randomBytes(96) })));
      if (strict) expect(garbage).toBe('InvalidCiphertextException');
      else expect(garbage).not.toBe('resolved');
    });

    it('decrypts with an explicit KeyId only when it names the key that encrypted', async () => {
      const blob = await encrypt('JD', context);
      for (const KeyId of [keys.symmetric, keys.symmetricArn, alias]) {
        const { Plaintext } = await kms.send(
          new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context, KeyId }),
        );
        expect(text(Plaintext)).toBe('JD');
      }
      const wrong = await failure(
        kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context, KeyId: keys.other })),
      );
      // KMS: IncorrectKeyException. moto 5: AccessDeniedException.
      if (strict) expect(wrong).toBe('IncorrectKeyException');
      else expect(wrong).not.toBe('resolved');
    });

    it('limits plaintexts to 4096 bytes', async () => {
      expect((await encrypt('x'.repeat(4096))).length).toBeGreaterThan(4096);
      expect(await failure(encrypt('x'.repeat(4097)))).toBe('ValidationException');
    });

    it('generates data keys whose ciphertext decrypts to the plaintext key', async () => {
      const aes256 = await kms.send(
        new GenerateDataKeyCommand({ KeyId: alias, KeySpec: 'AES_256', EncryptionContext: context }),
      );
      expect(aes256.Plaintext).toHaveLength(32);
      expect(aes256.KeyId).toBe(keys.symmetricArn);
      const { Plaintext } = await kms.send(
        new DecryptCommand({ CiphertextBlob: aes256.CiphertextBlob, EncryptionContext: context }),
      );
      expect(Buffer.from(Plaintext ?? [])).toEqual(Buffer.from(aes256.Plaintext ?? []));
      expect(await failure(kms.send(new DecryptCommand({ CiphertextBlob: aes256.CiphertextBlob })))).toBe(
        'InvalidCiphertextException',
      );

      const sixteen = await kms.send(
        new GenerateDataKeyCommand({ KeyId: keys.symmetric, NumberOfBytes: 16 }),
      );
      expect(sixteen.Plaintext).toHaveLength(16);
      expect(Buffer.from(sixteen.Plaintext ?? [])).not.toEqual(
        Buffer.from(aes256.Plaintext ?? []).subarray(0, 16),
      );

      const sealed = await kms.send(
        new GenerateDataKeyWithoutPlaintextCommand({ KeyId: keys.symmetric, KeySpec: 'AES_128' }),
      );
      expect(sealed).not.toHaveProperty('Plaintext');
      const opened = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob }));
      expect(opened.Plaintext).toHaveLength(16);
    });

    it('resolves a key by id, key ARN, alias name and alias ARN', async () => {
      const aliasArn = keys.symmetricArn.replace(/key\/.*$/, alias);
      for (const KeyId of [keys.symmetric, keys.symmetricArn, alias, aliasArn]) {
        const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId }));
        expect(KeyMetadata?.KeyId).toBe(keys.symmetric);
      }
      const blob = Buffer.from(
        (await kms.send(new EncryptCommand({ KeyId: aliasArn, Plaintext: Buffer.from('x') })))
          .CiphertextBlob ?? [],
      );
      const { Plaintext, KeyId } = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
      expect(text(Plaintext)).toBe('x');
      expect(KeyId).toBe(keys.symmetricArn);

      const { Aliases } = await kms.send(new ListAliasesCommand({ KeyId: keys.symmetric }));
      expect(Aliases).toContainEqual(
        expect.objectContaining({ AliasName: alias, AliasArn: aliasArn, TargetKeyId: keys.symmetric }),
      );
      expect(
        await failure(kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keys.other }))),
      ).toBe('AlreadyExistsException');
    });

    it('answers NotFoundException for an unknown key, key ARN or alias', async () => {
      const unknown = randomUUID();
      for (const KeyId of [
        unknown,
        keys.symmetricArn.replace(keys.symmetric, unknown),
        'alias/conformance/nope',
      ]) {
        expect(await failure(kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') })))).toBe(
          'NotFoundException',
        );
        expect(await failure(kms.send(new DescribeKeyCommand({ KeyId })))).toBe('NotFoundException');
      }
    });

    it('refuses a key used for the wrong purpose', async () => {
      const signWithSymmetric = await failure(
        kms.send(
          new SignCommand({
            KeyId: keys.symmetric,
            Message: Buffer.from('x'),
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        ),
      );
      // KMS: InvalidKeyUsageException. moto 5: ValidationException for Sign, and it encrypts and
      // generates data keys with a SIGN_VERIFY key, which KMS refuses: those are checked strictly only.
      if (strict) expect(signWithSymmetric).toBe('InvalidKeyUsageException');
      else expect(signWithSymmetric).not.toBe('resolved');
      if (strict) {
        expect(
          await failure(kms.send(new EncryptCommand({ KeyId: keys.ecc, Plaintext: Buffer.from('x') }))),
        ).toBe('InvalidKeyUsageException');
        expect(
          await failure(kms.send(new GenerateDataKeyCommand({ KeyId: keys.ecc, KeySpec: 'AES_256' }))),
        ).toBe('InvalidKeyUsageException');
      }
    });

    const publicKeyOf = async (KeyId: string) => {
      const response = await kms.send(new GetPublicKeyCommand({ KeyId }));
      return {
        response,
        publicKey: createPublicKey({
          key: Buffer.from(response.PublicKey ?? []),
          format: 'der',
          type: 'spki',
        }),
      };
    };

    it('signs with ECDSA P-256 so that anyone with the public key can verify, and a changed message fails', async () => {
      const message = Buffer.from('{"certificate":"ord_1 purged"}');
      const changed = Buffer.from('{"certificate":"ord_2 purged"}');
      const { Signature, SigningAlgorithm, KeyId } = await kms.send(
        new SignCommand({
          KeyId: keys.ecc,
          Message: message,
          MessageType: 'RAW',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      expect(SigningAlgorithm).toBe('ECDSA_SHA_256');
      expect(KeyId).toMatch(new RegExp(`:key/${keys.ecc}$`));
      const ok = await kms.send(
        new VerifyCommand({
          KeyId: keys.ecc,
          Message: message,
          Signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      expect(ok.SignatureValid).toBe(true);

      const { response, publicKey } = await publicKeyOf(keys.ecc);
      expect(response).toMatchObject({ KeyUsage: 'SIGN_VERIFY', SigningAlgorithms: ['ECDSA_SHA_256'] });
      // KMS answers KeySpec (and the deprecated CustomerMasterKeySpec) and the key ARN; moto 5 only
      // CustomerMasterKeySpec, and the bare key id.
      expect(response.CustomerMasterKeySpec).toBe('ECC_NIST_P256');
      if (strict)
        expect(response).toMatchObject({
          KeySpec: 'ECC_NIST_P256',
          KeyId: expect.stringMatching(/^arn:aws:kms:/),
        });
      expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
      // DER-encoded, as KMS returns ECDSA signatures.
      const signature = Buffer.from(Signature ?? []);
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(true);
      expect(verify('sha256', changed, { key: publicKey, dsaEncoding: 'der' }, signature)).toBe(false);

      const bad = await kms
        .send(
          new VerifyCommand({
            KeyId: keys.ecc,
            Message: changed,
            Signature,
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        )
        .then((r) => r.SignatureValid)
        .catch((error: Error) => error.name);
      // KMS throws KMSInvalidSignatureException; moto 5 answers SignatureValid: false.
      expect(bad).toBe(strict ? 'KMSInvalidSignatureException' : false);
    });

    it.each([
      ['RSASSA_PKCS1_V1_5_SHA_256', constants.RSA_PKCS1_PADDING],
      ['RSASSA_PSS_SHA_256', constants.RSA_PKCS1_PSS_PADDING],
    ] as const)('signs with RSA %s, verifiable with the public key', async (algorithm, padding) => {
      const message = Buffer.from('audit report 2025-Q1');
      const { Signature } = await kms.send(
        new SignCommand({ KeyId: keys.rsa, Message: message, SigningAlgorithm: algorithm }),
      );
      const { publicKey } = await publicKeyOf(keys.rsa);
      // KMS uses a PSS salt as long as the digest (32 bytes); moto 5 uses the maximum salt length,
      // so moto's signatures are checked with the salt length recovered from the signature.
      const saltLength = strict ? 32 : constants.RSA_PSS_SALTLEN_AUTO;
      const options = { key: publicKey, padding, saltLength };
      expect(verify('sha256', message, options, Buffer.from(Signature ?? []))).toBe(true);
      expect(
        verify('sha256', Buffer.from('audit report 2025-Q2'), options, Buffer.from(Signature ?? [])),
      ).toBe(false);
      const ok = await kms.send(
        new VerifyCommand({ KeyId: keys.rsa, Message: message, Signature, SigningAlgorithm: algorithm }),
      );
      expect(ok.SignatureValid).toBe(true);
    });

    // moto 5 ignores MessageType and hashes the digest again, so DIGEST is checked against the stand-in only.
    if (strict) {
      it.each([
        ['ECC', 'ECDSA_SHA_256'],
        ['RSA', 'RSASSA_PKCS1_V1_5_SHA_256'],
        ['RSA', 'RSASSA_PSS_SHA_256'],
      ] as const)('signs a precomputed digest (MessageType DIGEST) with %s %s', async (kind, algorithm) => {
        const KeyId = kind === 'ECC' ? keys.ecc : keys.rsa;
        const SigningAlgorithm: SigningAlgorithmSpec = algorithm;
        const message = Buffer.from('deletion certificate for ord_1');
        const digest = sha256(message);
        const { Signature } = await kms.send(
          new SignCommand({ KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm }),
        );
        const { publicKey } = await publicKeyOf(KeyId);
        const options: { key: KeyObject; dsaEncoding?: 'der'; padding?: number; saltLength?: number } =
          kind === 'ECC'
            ? { key: publicKey, dsaEncoding: 'der' }
            : algorithm === 'RSASSA_PSS_SHA_256'
              ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
              : { key: publicKey, padding: constants.RSA_PKCS1_PADDING };
        // Signing the digest is signing the message: a third party verifies it over the message.
        expect(verify('sha256', message, options, Buffer.from(Signature ?? []))).toBe(true);
        const raw = await kms.send(
          new VerifyCommand({ KeyId, Message: message, Signature, SigningAlgorithm }),
        );
        expect(raw.SignatureValid).toBe(true);
        const { Signature: rawSignature } = await kms.send(
          new SignCommand({ KeyId, Message: message, SigningAlgorithm }),
        );
        const digested = await kms.send(
          new VerifyCommand({
            KeyId,
            Message: digest,
            MessageType: 'DIGEST',
            Signature: rawSignature,
            SigningAlgorithm,
          }),
        );
        expect(digested.SignatureValid).toBe(true);
        expect(
          await failure(
            kms.send(
              new VerifyCommand({
                KeyId,
                Message: sha256(Buffer.from('another certificate')),
                MessageType: 'DIGEST',
                Signature,
                SigningAlgorithm,
              }),
            ),
          ),
        ).toBe('KMSInvalidSignatureException');
        expect(
          await failure(
            kms.send(
              new SignCommand({
                KeyId,
                Message: digest.subarray(1),
                MessageType: 'DIGEST',
                SigningAlgorithm,
              }),
            ),
          ),
        ).toBe('ValidationException');
      });
    }

    it('refuses a signing algorithm the key does not support', async () => {
      const outcome = await failure(
        kms.send(
          new SignCommand({
            KeyId: keys.ecc,
            Message: Buffer.from('x'),
            SigningAlgorithm: 'RSASSA_PSS_SHA_256',
          }),
        ),
      );
      // KMS documents InvalidKeyUsageException for an algorithm incompatible with the key spec;
      // moto 5 answers ValidationException.
      if (strict) expect(outcome).toBe('InvalidKeyUsageException');
      else expect(outcome).not.toBe('resolved');
    });

    const mac = async (KeyId: string, message: string) =>
      Buffer.from(
        (
          await kms.send(
            new GenerateMacCommand({ KeyId, MacAlgorithm: 'HMAC_SHA_256', Message: Buffer.from(message) }),
          )
        ).Mac ?? [],
      );

    it('generates HMAC-SHA-256 MACs: the same for the same key and message, verified, different per key', async () => {
      // Act
      const first = await mac(keys.hmac, 'lab-acme|C-1001');
      const again = await mac(keys.hmac, 'lab-acme|C-1001');
      // Assess
      expect(first).toHaveLength(32);
      expect(again).toEqual(first);
      expect(await mac(keys.hmac, 'lab-acme|C-1002')).not.toEqual(first);
      expect(await mac(keys.hmac2, 'lab-acme|C-1001')).not.toEqual(first);
      const verify = (Mac: Uint8Array, message = 'lab-acme|C-1001') =>
        kms.send(
          new VerifyMacCommand({
            KeyId: keys.hmac,
            MacAlgorithm: 'HMAC_SHA_256',
            Message: Buffer.from(message),
            Mac,
          }),
        );
      expect((await verify(first)).MacValid).toBe(true);
      const tampered = Buffer.from(first);
      tampered[0] = (tampered[0] ?? 0) ^ 0x01;
      expect(await failure(verify(tampered))).toBe('KMSInvalidMacException');
      expect(await failure(verify(first, 'lab-acme|C-1002'))).toBe('KMSInvalidMacException');
      // A key of another usage cannot MAC.
      expect(await failure(mac(keys.symmetric, 'x'))).toBe('InvalidKeyUsageException');
      if (strict) {
        // moto 5 encrypts with any key and leaves MacAlgorithms out of DescribeKey: checked strictly only.
        expect(
          await failure(kms.send(new EncryptCommand({ KeyId: keys.hmac, Plaintext: Buffer.from('x') }))),
        ).toBe('InvalidKeyUsageException');
        const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keys.hmac }));
        expect(KeyMetadata).toMatchObject({
          KeySpec: 'HMAC_256',
          KeyUsage: 'GENERATE_VERIFY_MAC',
          MacAlgorithms: ['HMAC_SHA_256'],
        });
      }
    });

    it('disables a key (it still describes itself) and enables it again', async () => {
      // Prepare
      const blob = Buffer.from(
        (await kms.send(new EncryptCommand({ KeyId: keys.toggled, Plaintext: Buffer.from('x') })))
          .CiphertextBlob ?? [],
      );
      // Act
      await kms.send(new DisableKeyCommand({ KeyId: keys.toggled }));
      // Assess
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: keys.toggled }));
      expect(KeyMetadata).toMatchObject({ KeyState: 'Disabled', Enabled: false });
      if (strict) {
        // KMS refuses every cryptographic operation with a disabled key; moto 5 goes on using it.
        expect(
          await failure(kms.send(new EncryptCommand({ KeyId: keys.toggled, Plaintext: Buffer.from('x') }))),
        ).toBe('DisabledException');
        expect(await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob })))).toBe(
          'DisabledException',
        );
      }
      await kms.send(new EnableKeyCommand({ KeyId: keys.toggled }));
      const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
      expect(text(Plaintext)).toBe('x');
    });

    it('creates a key with tags and a policy, as a partner account key is made', async () => {
      // Prepare
      const policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AdministerNotUse',
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:root' },
            Action: ['kms:DescribeKey'],
            Resource: '*',
          },
        ],
      });
      // Act
      const { KeyMetadata } = await kms.send(
        new CreateKeyCommand({
          Description: 'partner account',
          Policy: policy,
          Tags: [{ TagKey: 'caseline:account', TagValue: 'lab-acme' }],
        }),
      );
      const KeyId = KeyMetadata?.KeyId ?? '';
      const tags = await kms.send(new ListResourceTagsCommand({ KeyId }));
      const stored = await kms.send(new GetKeyPolicyCommand({ KeyId, PolicyName: 'default' }));
      // Assess
      expect(tags.Tags).toEqual([{ TagKey: 'caseline:account', TagValue: 'lab-acme' }]);
      expect(JSON.parse(stored.Policy ?? '{}')).toEqual(JSON.parse(policy));
    });

    it('refuses a second alias of the same name, and an alias that names nothing', async () => {
      expect(
        await failure(kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keys.other }))),
      ).toBe('AlreadyExistsException');
      expect(await failure(kms.send(new DescribeKeyCommand({ KeyId: 'alias/conformance/nobody' })))).toBe(
        'NotFoundException',
      );
    });

    it('schedules a deletion (refusing use meanwhile), and cancels it to a disabled key', async () => {
      // Prepare
      const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'to be shredded' }));
      const KeyId = KeyMetadata?.KeyId ?? '';
      const blob = Buffer.from(
        (await kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }))).CiphertextBlob ?? [],
      );
      const before = Date.now();
      if (strict) {
        // KMS allows a pending window of 7 to 30 days; moto 5 takes any number.
        for (const PendingWindowInDays of [6, 31]) {
          expect(
            await failure(kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays }))),
          ).toBe('ValidationException');
        }
      }
      // Act
      const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 30 }));
      // Assess
      // KMS answers the new state; moto 5 leaves KeyState out of the answer (DescribeKey has it).
      if (strict) expect(scheduled.KeyState).toBe('PendingDeletion');
      const days = ((scheduled.DeletionDate?.getTime() ?? 0) - before) / 86_400_000;
      expect(days).toBeGreaterThan(29.9);
      expect(days).toBeLessThan(30.1);
      const { KeyMetadata: pending } = await kms.send(new DescribeKeyCommand({ KeyId }));
      expect(pending?.KeyState).toBe('PendingDeletion');
      if (strict) {
        // KMS refuses every use of a key pending deletion, and a second schedule; moto 5 allows both.
        expect(await failure(kms.send(new DecryptCommand({ CiphertextBlob: blob })))).toBe(
          'KMSInvalidStateException',
        );
        expect(
          await failure(kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 30 }))),
        ).toBe('KMSInvalidStateException');
      }
      await kms.send(new CancelKeyDeletionCommand({ KeyId }));
      const { KeyMetadata: cancelled } = await kms.send(new DescribeKeyCommand({ KeyId }));
      expect(cancelled).toMatchObject({ KeyState: 'Disabled', Enabled: false });
      expect(cancelled?.DeletionDate).toBeUndefined();
    });

    it('turns on automatic key rotation', async () => {
      const before = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keys.other }));
      expect(before.KeyRotationEnabled).toBe(false);
      await kms.send(new EnableKeyRotationCommand({ KeyId: keys.other }));
      const after = await kms.send(new GetKeyRotationStatusCommand({ KeyId: keys.other }));
      expect(after.KeyRotationEnabled).toBe(true);
    });
  });
});

describe('KMS stand-in specifics', () => {
  const startStandInServer = (extra: Partial<Parameters<typeof startKmsServer>[0]> = {}) =>
    startKmsServer({ region: REGION, accountId: '111122223333', port: 0, ...extra });

  it('refuses requests that are unsigned, or signed for another region', async () => {
    const server = await startStandInServer();
    try {
      const post = (authorization?: string) =>
        fetch(server.endpoint, {
          method: 'POST',
          headers: {
            'x-amz-target': 'TrentService.ListAliases',
            'content-type': 'application/x-amz-json-1.1',
            ...(authorization ? { authorization } : {}),
          },
          body: '{}',
        }).then(async (res) => ({
          status: res.status,
          type: ((await res.json()) as { __type: string }).__type,
        }));
      expect(await post()).toEqual({ status: 400, type: 'MissingAuthenticationTokenException' });
      expect(await post('Bearer abc')).toEqual({ status: 400, type: 'UnrecognizedClientException' });
      const elsewhere = clientFor(server.endpoint, 'eu-west-1');
      expect(await failure(elsewhere.send(new ListAliasesCommand({})))).toBe('InvalidSignatureException');
      elsewhere.destroy();
    } finally {
      await server.close();
    }
  });

  it('names operations it does not implement', async () => {
    const server = await startStandInServer();
    const kms = clientFor(server.endpoint);
    try {
      const error = await kms
        .send(new UpdateKeyDescriptionCommand({ KeyId: randomUUID(), Description: 'x' }))
        .then(
          () => undefined,
          (e: Error) => e,
        );
      expect(error?.name).toBe('UnsupportedOperationException');
      expect(error?.message).toContain('TrentService.UpdateKeyDescription');
    } finally {
      kms.destroy();
      await server.close();
    }
  });

  it('seeds keys idempotently and keeps them across a restart, so old ciphertexts still decrypt', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'kms-')), 'nested', 'keys.json');
    const keys = [
      { alias: 'alias/t/data', keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT' },
      { alias: 'alias/t/signing', keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' },
      { alias: 'alias/t/mac', keySpec: 'HMAC_256', keyUsage: 'GENERATE_VERIFY_MAC' },
    ] as const;
    const first = await startStandInServer({ stateFile, keys });
    const client1 = clientFor(first.endpoint);
    const { CiphertextBlob } = await client1.send(
      new EncryptCommand({
        KeyId: 'alias/t/data',
        Plaintext: Buffer.from('kept'),
        EncryptionContext: { a: 'b' },
      }),
    );
    const { Signature } = await client1.send(
      new SignCommand({
        KeyId: 'alias/t/signing',
        Message: Buffer.from('m'),
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    const macOf = async (client: KMSClient) =>
      (
        await client.send(
          new GenerateMacCommand({
            KeyId: 'alias/t/mac',
            MacAlgorithm: 'HMAC_SHA_256',
            Message: Buffer.from('m'),
          }),
        )
      ).Mac;
    const firstMac = await macOf(client1);
    client1.destroy();
    await first.close();
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(stateFile, 'utf8')).not.toContain('kept');

    const second = await startStandInServer({ stateFile, keys });
    const client2 = clientFor(second.endpoint);
    try {
      expect(second.keyIdForAlias('alias/t/data')).toBe(first.keyIdForAlias('alias/t/data'));
      expect(second.keyArnForAlias('alias/t/signing')).toBe(
        `arn:aws:kms:${REGION}:111122223333:key/${first.keyIdForAlias('alias/t/signing')}`,
      );
      const { Plaintext } = await client2.send(
        new DecryptCommand({ CiphertextBlob, EncryptionContext: { a: 'b' } }),
      );
      expect(text(Plaintext)).toBe('kept');
      const verified = await client2.send(
        new VerifyCommand({
          KeyId: 'alias/t/signing',
          Message: Buffer.from('m'),
          Signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      expect(verified.SignatureValid).toBe(true);
      // The HMAC secret persists too: guards keyed by a MAC still match after a restart.
      expect(await macOf(client2)).toEqual(firstMac);
      const { Aliases } = await client2.send(new ListAliasesCommand({}));
      expect(Aliases?.map((a) => a.AliasName).sort()).toEqual([
        'alias/t/data',
        'alias/t/mac',
        'alias/t/signing',
      ]);
    } finally {
      client2.destroy();
      await second.close();
    }
  });
});
