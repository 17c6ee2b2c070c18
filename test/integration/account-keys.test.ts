/**
 * A KMS key per partner account, over the wire on a local stack of this file's own (it
 * terminates an account and moves the clock past the key's deletion window): the account's PHI
 * fields and case files are under its key, another account's key or context cannot read them,
 * and termination shreds the key so that a ciphertext kept aside no longer decrypts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelKeyDeletionCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListResourceTagsCommand,
  ScheduleKeyDeletionCommand,
} from '@aws-sdk/client-kms';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCertificateFile } from '../../cli/verify-certificate';
import { ACCOUNT_KEYS, accountKeyAlias, BUCKETS, KMS_KEYS, localTableName } from '../../common/definitions';
import { KmsAccountKeys } from '../../lambdas/adapters/kms-account-keys';
import { KmsPhiCipher } from '../../lambdas/adapters/kms-phi-cipher';
import type { SignedCertificate } from '../../lambdas/domain/certificate';
import { phiContext } from '../../lambdas/domain/order';
import { ConflictError } from '../../lambdas/kernel/errors';
import { readConfig } from '../../lambdas/runtime/config';
import { makeS3Client } from '../../lambdas/runtime/sdk/s3';
import { S3_CREDENTIALS } from '../../local/s3';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api, sha256Hex } from '../support/api';
import { draftOrder } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';

let dataDir: string;
let stack: LocalStack;
let api: Api;
let kms: KMSClient;
let s3: S3Client;
let ddb: DynamoDBDocumentClient;

const start = async () => {
  stack = await startLocalStack({ port: 0, dataDir });
  api = new Api(stack.apiUrl);
  kms = new KMSClient({
    region: 'us-east-1',
    endpoint: stack.endpoints.kms,
    credentials: { ...S3_CREDENTIALS },
  });
  s3 = makeS3Client(readConfig(stack.env));
  ddb = localDocumentClient(stack.endpoints.dynamodb);
};
const stop = async () => {
  kms?.destroy();
  s3?.destroy();
  ddb?.destroy();
  await stack?.stop();
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'caseline-account-keys-'));
  await start();
});

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const keyOf = async (accountId: string) => {
  const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: accountKeyAlias(accountId) }));
  if (!KeyMetadata?.Arn) throw new Error(`no key for ${accountId}`);
  return KeyMetadata;
};

/** The order record and its files as stored: ciphertexts and object keys. */
const stored = async (orderId: string) => {
  const { Items = [] } = await ddb.send(
    new QueryCommand({
      TableName: localTableName('orders'),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `ORDER#${orderId}` },
    }),
  );
  const order = Items.find((i) => i.sk === 'META');
  const file = Items.find((i) => String(i.sk).startsWith('FILE#'));
  if (!order || !file) throw new Error(`order ${orderId} not stored`);
  return { phi: String(order.phi), objectKey: String(file.key) };
};

const errorName = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error as { name?: string }).name,
  );

describe('every seeded partner account has its own key', () => {
  it.each(['lab-acme', 'lab-bright', 'lab-coast'])(
    '%s: aliased, tagged, rotating, with a policy scoped to its own context',
    async (accountId) => {
      // Act
      const key = await keyOf(accountId);
      const rotation = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.Arn }));
      const tags = await kms.send(new ListResourceTagsCommand({ KeyId: key.Arn }));
      const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: key.Arn, PolicyName: 'default' }));
      // Assess
      expect(key).toMatchObject({
        KeyState: 'Enabled',
        KeyUsage: 'ENCRYPT_DECRYPT',
        KeySpec: 'SYMMETRIC_DEFAULT',
      });
      expect(key.Arn).not.toBe(stack.env[KMS_KEYS.caseData.envVar]);
      expect(rotation.KeyRotationEnabled).toBe(true);
      expect(tags.Tags).toEqual([{ TagKey: ACCOUNT_KEYS.tagKey, TagValue: accountId }]);
      const statements = (JSON.parse(Policy ?? '{}') as { Statement: { Sid: string; Condition?: unknown }[] })
        .Statement;
      expect(statements.find((s) => s.Sid === 'PhiFieldsOfThisAccountOnly')?.Condition).toMatchObject({
        StringEquals: { 'kms:EncryptionContext:accountId': accountId },
      });
    },
  );

  it('keeps the same keys across a restart on the same data directory', async () => {
    // Prepare
    const before = await Promise.all(
      ['lab-acme', 'lab-bright', 'lab-coast'].map(async (a) => (await keyOf(a)).Arn),
    );
    // Act
    await stop();
    await start();
    // Assess
    const after = await Promise.all(
      ['lab-acme', 'lab-bright', 'lab-coast'].map(async (a) => (await keyOf(a)).Arn),
    );
    expect(after).toEqual(before);
  });
});

describe("an account's data is under its key", () => {
  it("a PHI field and a scan of lab-acme are encrypted under lab-acme's key, not the shared one", async () => {
    // Prepare
    const acme = (await keyOf('lab-acme')).Arn;
    const { orderId } = await draftOrder(api, 'lab.acme');
    const { phi, objectKey } = await stored(orderId);
    // Act: the ciphertext's key, as KMS reads it from the blob; the object's key, as S3 reports it.
    const decrypted = await kms.send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(phi, 'base64'),
        EncryptionContext: phiContext('lab-acme', orderId),
      }),
    );
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: BUCKETS.caseFiles.localName, Key: objectKey }),
    );
    // Assess
    expect(decrypted.KeyId).toBe(acme);
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(acme);
  });

  it("the presigned upload names the account's key ARN, never an alias that would name the account", async () => {
    // Prepare
    const { orderId } = await draftOrder(api, 'lab.bright');
    const scan = Buffer.from('solid x\nendsolid x\n');
    // Act
    const declared = await api.call<{ upload: { url: string; headers: Record<string, string> } }>(
      'POST',
      `/orders/${orderId}/uploads`,
      { as: 'lab.bright', body: { name: 'second.stl', sizeBytes: scan.length, sha256: sha256Hex(scan) } },
    );
    // Assess
    const keyHeader = declared.body.upload.headers['x-amz-server-side-encryption-aws-kms-key-id'];
    expect(keyHeader).toBe((await keyOf('lab-bright')).Arn);
    expect(declared.body.upload.url).not.toContain('lab-bright');
  });

  it("another account's key or context cannot read lab-acme's field", async () => {
    // Prepare
    const bright = (await keyOf('lab-bright')).Arn;
    const { orderId } = await draftOrder(api, 'lab.acme');
    const { phi } = await stored(orderId);
    const blob = Buffer.from(phi, 'base64');
    // Act
    const withBrightsKey = errorName(
      kms.send(
        new DecryptCommand({
          CiphertextBlob: blob,
          KeyId: bright,
          EncryptionContext: phiContext('lab-acme', orderId),
        }),
      ),
    );
    const asBright = errorName(
      kms.send(
        new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: phiContext('lab-bright', orderId) }),
      ),
    );
    // Assess
    expect(await withBrightsKey).toBe('IncorrectKeyException');
    expect(await asBright).toBe('InvalidCiphertextException');
  });

  it("the bucket takes an account's key and refuses a key of another AWS account", async () => {
    // Prepare
    const bright = (await keyOf('lab-bright')).Arn ?? '';
    const foreign = bright.replace(':000000000000:', ':111111111111:');
    const put = (key: string, SSEKMSKeyId: string) =>
      s3.send(
        new PutObjectCommand({
          Bucket: BUCKETS.caseFiles.localName,
          Key: key,
          Body: 'x',
          ServerSideEncryption: 'aws:kms',
          SSEKMSKeyId,
        }),
      );
    // Act
    const accepted = await put('orders/ord_keys_probe/inputs/a.stl', bright);
    const refused = await errorName(put('orders/ord_keys_probe/inputs/b.stl', foreign));
    // Assess
    expect(accepted.SSEKMSKeyId).toBe(bright);
    expect(refused).toBe('AccessDenied');
  });
});

describe('the adapters over the wire', () => {
  const settings = () => ({
    users: stack.env[ACCOUNT_KEYS.usersEnvVar] ?? '',
    region: 'us-east-1',
    bucket: BUCKETS.caseFiles.localName,
  });

  it('onboarding twice at once gives the account one key; the loser of the alias is scheduled for deletion', async () => {
    // Prepare
    const keys = new KmsAccountKeys(kms, settings());
    // Act
    const [a, b] = await Promise.all([keys.ensureKey('lab-new'), keys.ensureKey('lab-new')]);
    const again = await keys.ensureKey('lab-new');
    // Assess
    expect(a.keyId).toBe(b.keyId);
    expect(again).toEqual(a);
    expect((await keyOf('lab-new')).Arn).toBe(a.keyId);
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: a.keyId }))).KeyRotationEnabled).toBe(
      true,
    );
  });

  it('refuses to write PHI for an account without a key (409 ACCOUNT_KEY_MISSING), naming no key', async () => {
    const cipher = new KmsPhiCipher(kms);
    const error = await cipher
      .encrypt('PT-1', phiContext('lab-never-onboarded', 'ord_x'))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect(error).toMatchObject({ code: 'ACCOUNT_KEY_MISSING' });
    expect(String((error as Error).message)).not.toMatch(/arn:aws:kms|alias\//);
  });

  it('still reads a field written under the shared case-data key before accounts had keys', async () => {
    // Prepare: a field as it was written before (the shared key, the same context).
    const context = phiContext('lab-acme', 'ord_before_keys');
    const { CiphertextBlob } = await kms.send(
      new EncryptCommand({
        KeyId: stack.env[KMS_KEYS.caseData.envVar],
        Plaintext: Buffer.from('{"patientRef":"PT-OLD"}'),
        EncryptionContext: context,
      }),
    );
    // Act
    const plaintext = await new KmsPhiCipher(kms).decrypt(
      Buffer.from(CiphertextBlob ?? []).toString('base64'),
      context,
    );
    // Assess
    expect(plaintext).toBe('{"patientRef":"PT-OLD"}');
  });
});

describe('termination shreds the key', () => {
  it("schedules lab-coast's key for deletion at the end of the backup window; after it, a kept ciphertext no longer decrypts", async () => {
    // Prepare: a field of lab-coast, copied aside before termination (as a backup would keep it).
    const { orderId } = await draftOrder(api, 'lab.coast');
    const { phi } = await stored(orderId);
    const context = phiContext('lab-coast', orderId);
    const blob = Buffer.from(phi, 'base64');
    const coast = (await keyOf('lab-coast')).Arn;
    // Act
    const res = await api.call<SignedCertificate>('POST', '/accounts/lab-coast/terminate', {
      as: 'operator.omar',
    });
    // Assess: the summary states the key and its deletion date, 30 days on, and verifies.
    expect(res.status).toBe(200);
    const summary = res.body.certificate;
    expect(summary.accountKey?.keyId).toBe(coast);
    const deletion = Date.parse(summary.accountKey?.deletionDate ?? '');
    expect(deletion - Date.parse(summary.deletedAt)).toBeGreaterThanOrEqual(
      ACCOUNT_KEYS.pendingWindowDays * 86_400_000 - 60_000,
    );
    expect(deletion - Date.parse(summary.deletedAt)).toBeLessThanOrEqual(
      ACCOUNT_KEYS.pendingWindowDays * 86_400_000 + 60_000,
    );
    const dir = mkdtempSync(join(tmpdir(), 'caseline-cert-'));
    try {
      const key = await api.call<{ publicKeyPem: string }>('GET', '/certificates/public-key', {});
      writeFileSync(join(dir, 'key.pem'), key.body.publicKeyPem);
      writeFileSync(join(dir, 'summary.json'), JSON.stringify(res.body));
      const tampered = structuredClone(res.body);
      if (tampered.certificate.accountKey)
        tampered.certificate.accountKey.deletionDate = '2099-01-01T00:00:00.000Z';
      writeFileSync(join(dir, 'tampered.json'), JSON.stringify(tampered));
      const checked = await verifyCertificateFile(join(dir, 'summary.json'), join(dir, 'key.pem'));
      expect(checked).toMatchObject({ ok: true });
      expect(checked.message).toContain(
        `the account's key ${coast} is deleted on ${summary.accountKey?.deletionDate}`,
      );
      expect((await verifyCertificateFile(join(dir, 'tampered.json'), join(dir, 'key.pem'))).ok).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Pending deletion: KMS refuses it at once; a re-run certifies the same date.
    expect((await kms.send(new DescribeKeyCommand({ KeyId: coast }))).KeyMetadata?.KeyState).toBe(
      'PendingDeletion',
    );
    expect(
      await errorName(kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }))),
    ).toBe('KMSInvalidStateException');
    const again = await api.call<SignedCertificate>('POST', '/accounts/lab-coast/terminate', {
      as: 'operator.omar',
    });
    expect(again.body.certificate.accountKey).toEqual(summary.accountKey);
    // After the window on the stack's clock: the key and its alias are gone, the copy unreadable.
    await api.call('POST', '/local/clock/advance', {
      as: 'operator.omar',
      body: { hours: ACCOUNT_KEYS.pendingWindowDays * 24 + 1 },
    });
    expect(
      await errorName(kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: context }))),
    ).toBe('AccessDeniedException');
    expect(await errorName(kms.send(new DescribeKeyCommand({ KeyId: coast })))).toBe('NotFoundException');
    expect(await errorName(keyOf('lab-coast'))).toBe('NotFoundException');
    // A restart does not give the terminated account a new key.
    await stop();
    await start();
    expect(await errorName(keyOf('lab-coast'))).toBe('NotFoundException');
  });
});

describe("the KMS stand-in's key deletion, as KMS does it", () => {
  it('refuses Encrypt and Decrypt while pending, cancels to Disabled, and refuses a window outside 7–30 days', async () => {
    // Prepare
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'probe' }));
    const KeyId = KeyMetadata?.Arn ?? '';
    const { CiphertextBlob } = await kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') }));
    // Act and assess
    expect(await errorName(kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 6 })))).toBe(
      'ValidationException',
    );
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId, PendingWindowInDays: 7 }));
    expect(scheduled.KeyState).toBe('PendingDeletion');
    expect(await errorName(kms.send(new EncryptCommand({ KeyId, Plaintext: Buffer.from('x') })))).toBe(
      'KMSInvalidStateException',
    );
    expect(await errorName(kms.send(new DecryptCommand({ CiphertextBlob })))).toBe(
      'KMSInvalidStateException',
    );
    await kms.send(new CancelKeyDeletionCommand({ KeyId }));
    expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.KeyState).toBe('Disabled');
  });
});
