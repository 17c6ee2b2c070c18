/**
 * Deletion certificates signed through KMS over the wire: KmsCertificateSigner with the real
 * KMSClient against the KMS stand-in (and moto_server, where installed), then verified offline the
 * way a lab would: verifyCertificate with the DER public key, verifyCertificateFile with a PEM file,
 * and the documented recipe that needs no Caseline code.
 */

import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  type SignCommandInput,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCertificateFile } from '../../cli/verify-certificate';
import { KMS_KEYS } from '../../common/definitions';
import { KmsCertificateSigner, MAX_RAW_MESSAGE_BYTES } from '../../lambdas/adapters/kms-certificate-signer';
import {
  CertificateSigningError,
  type DeletedObject,
  type DeletionCertificate,
  type SignedCertificate,
  signCertificate,
  signedBytes,
  verifyCertificate,
} from '../../lambdas/domain/certificate';
import { type KmsServer, startKmsServer } from '../../local/kms/server';
import { requireMoto } from '../support/moto';

const REGION = 'us-east-1';
const SIGNING_ALIAS = KMS_KEYS.certificateSigning.alias;
const DATA_ALIAS = 'alias/caseline/case-data';
const RSA_ALIAS = 'alias/test/rsa-signing';
const NEXT_ALIAS = 'alias/test/next-signing-key';

const clientFor = (endpoint: string) =>
  new KMSClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dummy-secret' },
    maxAttempts: 1,
  });

/** Records the Sign and GetPublicKey requests a client sends, to see which path the signer took. */
const recordRequests = (kms: KMSClient) => {
  const signs: SignCommandInput[] = [];
  let publicKeyFetches = 0;
  kms.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SignCommand') signs.push(args.input as SignCommandInput);
      if (context.commandName === 'GetPublicKeyCommand') publicKeyFetches++;
      return next(args);
    },
    { step: 'initialize', name: 'recordCertificateRequests' },
  );
  return { signs, publicKeyFetches: () => publicKeyFetches };
};

const makeObjects = (count: number): DeletedObject[] =>
  Array.from({ length: count }, (_, i) => ({
    key: `accounts/lab-acme/orders/ord_big/inputs/fil_${String(i).padStart(4, '0')}.stl`,
    versionId: `3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY${i}`,
    sizeBytes: 120_000_000 + i,
    sha256: i.toString(16).padStart(64, 'c'),
  }));

const makeCertificate = (overrides: Partial<DeletionCertificate> = {}): DeletionCertificate => ({
  certificateId: `cert_${randomUUID().slice(0, 8)}`,
  kind: 'order',
  accountId: 'lab-acme',
  orderId: 'ord_small',
  reason: 'retention-expired',
  deletedAt: '2026-01-05T09:00:00.000Z',
  process: 'caseline purge-sweep',
  objects: [
    { key: 'accounts/lab-acme/orders/ord_small/inputs/fil_1.stl', versionId: 'v1', sizeBytes: 48_000_000 },
    {
      key: 'accounts/lab-acme/orders/ord_small/inputs/fil_1.stl',
      versionId: 'v2',
      sizeBytes: 0,
      deleteMarker: true,
    },
  ],
  recordsAnonymised: ['patientRef', 'notes', 'fileNames'],
  backupsClearBy: '2026-02-05T00:00:00.000Z',
  ...overrides,
});

const derToPem = (der: Uint8Array) =>
  createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })
    .export({ format: 'pem', type: 'spki' })
    .toString();

describe('deletion certificates signed by the KMS stand-in', () => {
  let server: KmsServer;
  let kms: KMSClient;
  let requests: ReturnType<typeof recordRequests>;
  let signer: KmsCertificateSigner;
  let dir: string;
  let publicKeyDer: Uint8Array;
  let keyPem: string;
  let small: SignedCertificate;
  let big: SignedCertificate;

  const write = (name: string, content: string | Uint8Array) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  beforeAll(async () => {
    server = await startKmsServer({
      region: REGION,
      accountId: '000000000000',
      port: 0,
      keys: [
        { alias: SIGNING_ALIAS, keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' },
        { alias: DATA_ALIAS, keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT' },
        { alias: RSA_ALIAS, keySpec: 'RSA_2048', keyUsage: 'SIGN_VERIFY' },
        { alias: NEXT_ALIAS, keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' },
      ],
    });
    kms = clientFor(server.endpoint);
    requests = recordRequests(kms);
    signer = new KmsCertificateSigner(kms, SIGNING_ALIAS);
    dir = mkdtempSync(join(tmpdir(), 'certificates-'));
    // What a lab is handed: the public key, fetched apart from the signer and its client.
    const lab = clientFor(server.endpoint);
    const { PublicKey } = await lab.send(new GetPublicKeyCommand({ KeyId: SIGNING_ALIAS }));
    lab.destroy();
    publicKeyDer = PublicKey ?? new Uint8Array();
    keyPem = write('caseline-public-key.pem', derToPem(publicKeyDer));

    // Prepare: one certificate under KMS's 4096-byte RAW limit, one well over it.
    small = await signCertificate(signer, makeCertificate());
    big = await signCertificate(
      signer,
      makeCertificate({ orderId: 'ord_big', objects: makeObjects(60), reason: 'lab-request' }),
    );
  });

  afterAll(async () => {
    kms?.destroy();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs a small certificate with a RAW message, naming the key by its ARN', async () => {
    const message = signedBytes(small.certificate, small.signature);
    expect(message.length).toBeLessThanOrEqual(MAX_RAW_MESSAGE_BYTES);
    expect(requests.signs[0]).toMatchObject({
      KeyId: SIGNING_ALIAS,
      SigningAlgorithm: 'ECDSA_SHA_256',
      MessageType: 'RAW',
    });
    expect(Buffer.from(requests.signs[0]?.Message ?? [])).toEqual(message);
    expect(small.signature.keyId).toBe(server.keyArnForAlias(SIGNING_ALIAS));
    expect(signer.keyId()).toBe(server.keyArnForAlias(SIGNING_ALIAS));

    expect(verifyCertificate(small, publicKeyDer)).toEqual({ valid: true, certificate: small.certificate });
    // KMS agrees, over the same bytes.
    const { SignatureValid } = await kms.send(
      new VerifyCommand({
        KeyId: SIGNING_ALIAS,
        Message: message,
        MessageType: 'RAW',
        Signature: Buffer.from(small.signature.value, 'base64'),
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(SignatureValid).toBe(true);
  });

  it('signs a certificate over 4 KB as a SHA-256 DIGEST, verifiable over the full message', async () => {
    const message = signedBytes(big.certificate, big.signature);
    expect(message.length).toBeGreaterThan(MAX_RAW_MESSAGE_BYTES);
    expect(requests.signs[1]).toMatchObject({ MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' });
    expect(requests.signs[1]?.Message).toHaveLength(32);

    expect(verifyCertificate(big, publicKeyDer)).toMatchObject({ valid: true });
    // KMS agrees: the signature is over the SHA-256 of the full message, not some part of it.
    const { SignatureValid } = await kms.send(
      new VerifyCommand({
        KeyId: SIGNING_ALIAS,
        Message: createHash('sha256').update(message).digest(),
        MessageType: 'DIGEST',
        Signature: Buffer.from(big.signature.value, 'base64'),
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(SignatureValid).toBe(true);
  });

  it('fetches the public key once for any number of signatures', async () => {
    await signCertificate(signer, makeCertificate());
    expect(requests.publicKeyFetches()).toBe(1);
    expect(Buffer.from(await signer.publicKeyDer())).toEqual(Buffer.from(publicKeyDer));
  });

  it('verifies both from files with a PEM key, as `caseline verify-certificate` does', async () => {
    const smallFile = write('small.json', JSON.stringify(small, null, 2));
    expect(await verifyCertificateFile(smallFile, keyPem)).toEqual({
      ok: true,
      message: `Certificate ${small.certificate.certificateId} for order ord_small (account lab-acme) is valid: 2 objects deleted on 2026-01-05T09:00:00.000Z; no backup can hold the data after 2026-02-05T00:00:00.000Z.`,
    });
    const bigFile = write('big.json', JSON.stringify(big));
    expect(await verifyCertificateFile(bigFile, keyPem)).toMatchObject({
      ok: true,
      message: expect.stringMatching(
        /^Certificate cert_\w+ for order ord_big \(account lab-acme\) is valid: 60 objects deleted on /,
      ),
    });
    // The same with the key as DER, and as the public-key endpoint's JSON.
    expect((await verifyCertificateFile(bigFile, write('key.der', publicKeyDer))).ok).toBe(true);
    const endpointAnswer = JSON.stringify({
      keyId: signer.keyId(),
      algorithm: 'ECDSA_SHA_256',
      publicKeyPem: derToPem(publicKeyDer),
    });
    expect((await verifyCertificateFile(smallFile, write('key.json', endpointAnswer))).ok).toBe(true);
  });

  it('refuses a tampered copy, saying why', async () => {
    const fewer = JSON.parse(JSON.stringify(big)) as SignedCertificate;
    fewer.certificate.objects.pop();
    expect(await verifyCertificateFile(write('fewer.json', JSON.stringify(fewer)), keyPem)).toEqual({
      ok: false,
      message: expect.stringMatching(/^INVALID: the signature does not match the certificate/),
    });
    const later = { ...small, certificate: { ...small.certificate, deletedAt: '2026-01-04T09:00:00.000Z' } };
    expect((await verifyCertificateFile(write('later.json', JSON.stringify(later)), keyPem)).message).toMatch(
      /^INVALID: the signature does not match/,
    );
    const swapped = { ...small, signature: big.signature };
    expect((await verifyCertificateFile(write('swapped.json', JSON.stringify(swapped)), keyPem)).ok).toBe(
      false,
    );
    const annotated = { ...small, certificate: { ...small.certificate, patientRef: 'JD' } };
    expect(
      (await verifyCertificateFile(write('annotated.json', JSON.stringify(annotated)), keyPem)).message,
    ).toBe('INVALID: unexpected field certificate.patientRef: a signed certificate has no such field');
    expect(
      (await verifyCertificateFile(write('cut.json', JSON.stringify(small).slice(0, 200)), keyPem)).message,
    ).toMatch(/^INVALID: the document is not JSON/);
  });

  it('refuses the right certificate under another key, and says so', async () => {
    const otherKms = await startKmsServer({
      region: REGION,
      accountId: '000000000000',
      port: 0,
      keys: [{ alias: SIGNING_ALIAS, keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' }],
    });
    const otherClient = clientFor(otherKms.endpoint);
    try {
      const { PublicKey } = await otherClient.send(new GetPublicKeyCommand({ KeyId: SIGNING_ALIAS }));
      const otherPem = write('other-key.pem', derToPem(PublicKey ?? new Uint8Array()));
      const file = write('small-again.json', JSON.stringify(small));
      expect((await verifyCertificateFile(file, otherPem)).message).toMatch(
        new RegExp(`^INVALID: the certificate says it was signed by another key \\(${small.signature.keyId}`),
      );
    } finally {
      otherClient.destroy();
      await otherKms.close();
    }
  });

  it('names a file it cannot read', async () => {
    expect(await verifyCertificateFile(join(dir, 'absent.json'), keyPem)).toEqual({
      ok: false,
      message: `INVALID: cannot read the certificate file ${join(dir, 'absent.json')} (no such file)`,
    });
    const file = write('small-3.json', JSON.stringify(small));
    expect((await verifyCertificateFile(file, join(dir, 'absent.pem'))).message).toMatch(
      /^INVALID: cannot read the public key file .*absent\.pem \(no such file\)$/,
    );
    expect((await verifyCertificateFile(file, write('junk.pem', 'not a key'))).message).toMatch(
      /^INVALID: the public key cannot be used/,
    );
  });

  it('refuses to sign with a key that is not an ECC_NIST_P256 signing key, or is unknown', async () => {
    const rsa = new KmsCertificateSigner(kms, RSA_ALIAS);
    await expect(signCertificate(rsa, makeCertificate())).rejects.toThrow(
      /must be ECC_NIST_P256 for SIGN_VERIFY, not RSA_2048 for SIGN_VERIFY/,
    );
    for (const [keyId, cause] of [
      [DATA_ALIAS, 'UnsupportedOperationException'],
      ['alias/caseline/nope', 'NotFoundException'],
    ] as const) {
      const error = await signCertificate(new KmsCertificateSigner(kms, keyId), makeCertificate()).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CertificateSigningError);
      expect((error as Error).cause).toMatchObject({ name: cause });
    }
    // A failed fetch is not cached: the signer asks KMS again next time.
    const unknown = new KmsCertificateSigner(kms, 'alias/caseline/nope');
    const before = requests.publicKeyFetches();
    await expect(unknown.publicKeyDer()).rejects.toBeInstanceOf(CertificateSigningError);
    await expect(unknown.publicKeyDer()).rejects.toBeInstanceOf(CertificateSigningError);
    expect(requests.publicKeyFetches() - before).toBe(2);
  });

  it('refuses the one signature made after the alias moved to a new key, then signs with the new key', async () => {
    // The stand-in has no UpdateAlias: a middleware sends the alias's requests to another key instead.
    const moving = clientFor(server.endpoint);
    let movedTo: string | undefined;
    moving.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { KeyId?: string };
        if (movedTo && input.KeyId === SIGNING_ALIAS) input.KeyId = movedTo;
        return next(args);
      },
      { step: 'initialize', name: 'moveAlias' },
    );
    try {
      const rotating = new KmsCertificateSigner(moving, SIGNING_ALIAS);
      const before = await signCertificate(rotating, makeCertificate());
      expect(before.signature.keyId).toBe(server.keyArnForAlias(SIGNING_ALIAS));

      movedTo = NEXT_ALIAS;
      // The cached public key is the old key's: this signature is refused, not handed out.
      await expect(signCertificate(rotating, makeCertificate())).rejects.toThrow(CertificateSigningError);
      const after = await signCertificate(rotating, makeCertificate());
      expect(after.signature.keyId).toBe(server.keyArnForAlias(NEXT_ALIAS));
      expect(verifyCertificate(after, await rotating.publicKeyDer())).toMatchObject({ valid: true });
      expect(verifyCertificate(after, publicKeyDer)).toMatchObject({ valid: false, code: 'WRONG_KEY' });
    } finally {
      moving.destroy();
    }
  });

  // jq and openssl are part of the machine image; a missing one fails here rather than vanishing.
  it('verifies with jq and openssl alone, as the CLI documents', () => {
    for (const tool of [
      ['jq', '--version'],
      ['openssl', 'version'],
    ] as const)
      expect(spawnSync(tool[0], [tool[1]], { stdio: 'ignore' }).status, `${tool[0]} on PATH`).toBe(0);
    for (const [name, signed] of [
      ['small-openssl.json', small],
      ['big-openssl.json', big],
    ] as const) {
      const file = write(name, JSON.stringify(signed, null, 2));
      const run = (script: string) =>
        spawnSync('sh', ['-c', script], {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, FILE: file, KEY: keyPem },
        });
      const script = [
        `jq -cS 'del(.signature.value)' "$FILE" | tr -d '\\n' > signed.bin`,
        `jq -r .signature.value "$FILE" | base64 -d > signature.der`,
        `openssl dgst -sha256 -verify "$KEY" -signature signature.der signed.bin`,
      ].join(' && ');
      const ok = run(script);
      expect(ok.stdout.trim(), ok.stderr).toBe('Verified OK');
      // A changed value: openssl refuses too.
      const tampered = write(
        `tampered-${name}`,
        JSON.stringify({ ...signed, certificate: { ...signed.certificate, accountId: 'lab-other' } }),
      );
      const refused = spawnSync('sh', ['-c', script], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, FILE: tampered, KEY: keyPem },
      });
      expect(refused.stdout.trim()).toBe('Verification failure');
      expect(refused.status).not.toBe(0);
    }
  });
});

// ---------------------------------------------------------------- moto_server

// moto ignores MessageType (it hashes a DIGEST again), so only a RAW-sized certificate is signed there.
describe('deletion certificates signed by moto_server', () => {
  let moto: Awaited<ReturnType<typeof requireMoto>> | undefined;
  let kms: KMSClient;
  let keyId: string;

  beforeAll(async () => {
    moto = await requireMoto();
    kms = clientFor(moto.endpoint);
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        Description: 'certificates',
      }),
    );
    keyId = KeyMetadata?.KeyId ?? '';
  }, 40_000);

  afterAll(async () => {
    kms?.destroy();
    await moto?.stop();
  });

  it('signs a small certificate that verifies with the public key moto hands out', async () => {
    const signer = new KmsCertificateSigner(kms, keyId);
    const signed = await signCertificate(signer, makeCertificate());
    expect(signedBytes(signed.certificate, signed.signature).length).toBeLessThanOrEqual(
      MAX_RAW_MESSAGE_BYTES,
    );
    expect(signed.signature.keyId).toContain(keyId);
    const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
    const der = PublicKey ?? new Uint8Array();
    expect(verifyCertificate(signed, der)).toMatchObject({ valid: true });
    expect(verifyCertificate(JSON.stringify(signed, null, 2), derToPem(der))).toMatchObject({
      valid: true,
    });
    const tampered = { ...signed, certificate: { ...signed.certificate, orderId: 'ord_other' } };
    expect(verifyCertificate(tampered, der)).toMatchObject({ valid: false, code: 'SIGNATURE_MISMATCH' });
  });
});
