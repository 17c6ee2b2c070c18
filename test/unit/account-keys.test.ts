/**
 * A partner account's key in the domain: uploads are written under it (or not at all), and a
 * termination shreds it after the purge and certifies the key and its deletion date.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_KEYS } from '../../common/definitions';
import {
  type CertificateSigner,
  type DeletionCertificate,
  InvalidCertificateError,
  type SignedCertificate,
  signCertificate,
  verifyCertificate,
} from '../../lambdas/domain/certificate';
import { parseCreateOrder } from '../../lambdas/domain/order-input';
import { createOrder } from '../../lambdas/domain/orders/create';
import { declareUpload } from '../../lambdas/domain/orders/uploads';
import type { FileStore } from '../../lambdas/domain/ports';
import type { PurgeDeps, PurgeStore } from '../../lambdas/domain/purge';
import { terminateAccount } from '../../lambdas/domain/purge';
import { makeCreateOrderRequest } from '../support/factories';
import { makeActor, makeDeps } from '../support/fakes';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer: CertificateSigner = {
  keyId: () => 'test-key',
  sign: async (message) => sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }),
  publicKeyDer: async () => publicKey.export({ format: 'der', type: 'spki' }),
};
const KEY_ARN = 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000001';
const operator = makeActor({
  sub: 'u-op',
  username: 'operator.omar',
  roles: ['operator'],
  accountId: 'caseline',
});

const setup = () => {
  const base = makeDeps();
  const certificates = new Map<string, SignedCertificate>();
  const purgeStore: PurgeStore = {
    saveManifest: async (_orderId, objects) => objects,
    anonymise: async () => [],
    saveCertificate: async (owner, signed) => {
      if ('accountId' in owner)
        certificates.set(`${owner.accountId}#${signed.certificate.certificateId}`, signed);
    },
    orderCertificate: async () => undefined,
    accountCertificate: async (accountId, certificateId) => certificates.get(`${accountId}#${certificateId}`),
  };
  const deps: PurgeDeps = {
    ...base,
    designers: {} as PurgeDeps['designers'],
    policies: {
      policyFor: async () => ({ retentionDays: 730, autoAcceptDays: 7, deletionGraceDays: 30 }),
    },
    signer,
    purgeStore,
    purger: { purgePrefix: async () => [], remaining: async () => [] },
  };
  return { deps, base };
};

describe('termination shreds the account key', () => {
  it('schedules the deletion at the end of the backup window and states key and date in the summary', async () => {
    // Prepare
    const { deps, base } = setup();
    const key = await base.accountKeys.keyOf('lab-coast');
    // Act
    const signed = await terminateAccount(deps, operator, 'lab-coast');
    // Assess
    const expected = new Date(base.clock.now().getTime() + ACCOUNT_KEYS.pendingWindowDays * 86_400_000);
    expect(signed.certificate.accountKey).toEqual({
      keyId: key?.keyId,
      deletionDate: expected.toISOString(),
    });
    expect((await base.accountKeys.keyOf('lab-coast'))?.state).toBe('PendingDeletion');
    expect(verifyCertificate(signed, publicKey)).toMatchObject({ valid: true });
    expect(base.notifier.sent.at(-1)).toMatchObject({ facts: { keyDeletionDate: expected.toISOString() } });
  });

  it('a re-run after the key was scheduled (a crash before the summary) certifies the same date', async () => {
    // Prepare: the key already pending, as a first run that died after scheduling leaves it.
    const { deps, base } = setup();
    const first = await base.accountKeys.scheduleDeletion('lab-bright', ACCOUNT_KEYS.pendingWindowDays);
    base.clock.advance(2 * 86_400_000);
    // Act
    const signed = await terminateAccount(deps, operator, 'lab-bright');
    // Assess
    expect(signed.certificate.accountKey?.deletionDate).toBe(first?.deletionDate);
  });

  it('states no key for an account that never had one (its data only ever under the shared key)', async () => {
    const { deps, base } = setup();
    base.accountKeys.keys.delete('lab-acme');
    const signed = await terminateAccount(deps, operator, 'lab-acme');
    expect(signed.certificate).not.toHaveProperty('accountKey');
    expect(verifyCertificate(signed, publicKey)).toMatchObject({ valid: true });
  });
});

describe("uploads are written under the account's key", () => {
  it("signs the account key's ARN into the upload, and refuses an account without a key before writing anything", async () => {
    // Prepare
    const { deps, base } = setup();
    const lab = makeActor();
    const { orderId } = await createOrder(deps, lab, parseCreateOrder(makeCreateOrderRequest()));
    const presigned: string[] = [];
    const files = base.files;
    const presignPut = files.presignPut.bind(files);
    files.presignPut = async (input: Parameters<FileStore['presignPut']>[0]) => {
      presigned.push(input.kmsKeyId);
      return presignPut(input);
    };
    const body = { name: 'scan.stl', sizeBytes: 1000, sha256: 'a'.repeat(64) };
    // Act
    const declared = await declareUpload(deps, lab, orderId, body);
    base.accountKeys.keys.delete('lab-acme');
    const refused = await declareUpload(deps, lab, orderId, { ...body, sha256: 'b'.repeat(64) }).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(declared.upload).toMatchObject({ mode: 'single' });
    expect(presigned).toEqual([(await setup().base.accountKeys.ensureKey('lab-acme')).keyId]);
    expect(presigned[0]).toMatch(/^arn:aws:kms:[^:]+:\d{12}:key\//);
    expect((await base.orders.files(orderId)).length).toBe(1);
    expect(refused).toMatchObject({ code: 'ACCOUNT_KEY_MISSING' });
    expect((await base.orders.files(orderId)).length).toBe(1);
  });
});

describe("the summary's accountKey field", () => {
  const summary = (overrides: Partial<DeletionCertificate> = {}): DeletionCertificate => ({
    certificateId: 'cert_0002',
    kind: 'account-summary',
    accountId: 'lab-acme',
    reason: 'account-termination',
    deletedAt: '2026-01-05T09:00:00.000Z',
    process: 'caseline purge-sweep',
    objects: [],
    recordsAnonymised: ['patientRef'],
    backupsClearBy: '2026-02-05T00:00:00.000Z',
    orderCertificates: [],
    accountKey: { keyId: KEY_ARN, deletionDate: '2026-02-04T09:00:00.000Z' },
    ...overrides,
  });

  it('is signed like every field: a changed deletion date does not verify', async () => {
    const signed = await signCertificate(signer, summary());
    expect(verifyCertificate(signed, publicKey)).toMatchObject({ valid: true });
    const changed = structuredClone(signed);
    if (changed.certificate.accountKey)
      changed.certificate.accountKey.deletionDate = '2030-01-01T00:00:00.000Z';
    expect(verifyCertificate(changed, publicKey)).toMatchObject({ valid: false, code: 'SIGNATURE_MISMATCH' });
  });

  it('is refused on an order certificate, before its deletion, or naming something that is not a key ARN', async () => {
    const order = {
      ...summary(),
      kind: 'order' as const,
      reason: 'lab-request' as const,
      orderId: 'ord_1',
      orderCertificates: undefined,
    };
    for (const bad of [
      order,
      summary({ accountKey: { keyId: KEY_ARN, deletionDate: '2026-01-01T00:00:00.000Z' } }),
      summary({
        accountKey: { keyId: 'alias/caseline/account/lab-acme', deletionDate: '2026-02-04T09:00:00.000Z' },
      }),
    ]) {
      await expect(signCertificate(signer, bad)).rejects.toBeInstanceOf(InvalidCertificateError);
    }
  });
});
