/**
 * Conformance of the KMS stand-in: one suite of behaviour tests run against our stand-in and,
 * where it is installed, against moto_server, so the stand-in is checked against an
 * independent implementation of the same protocol. Each target creates its own keys.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:net';
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KmsServer, startKmsServer } from '../../local/kms/server';

const hasMoto = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v moto_server'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasMoto) console.warn('moto_server not installed: KMS conformance ran against the local stand-in only');

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });

interface Target {
  endpoint: string;
  stop(): Promise<void>;
}

const localTarget = async (): Promise<Target> => {
  const server: KmsServer = await startKmsServer({ region: 'us-east-1', accountId: '000000000000', port: 0 });
  return { endpoint: server.endpoint, stop: () => server.close() };
};

const motoTarget = async (): Promise<Target> => {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch {
      if (Date.now() > deadline) throw new Error('moto_server did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    endpoint,
    stop: async () => {
      child.kill();
    },
  };
};

/** [name, start, enabled, strict]: strict targets must also refuse what moto 5 lets through. */
const targets: [string, () => Promise<Target>, boolean, boolean][] = [
  ['local stand-in', localTarget, true, true],
  ['moto_server', motoTarget, hasMoto, false],
];

describe.each(targets)('KMS conformance: %s', (_name, start, enabled, strict) => {
  describe.runIf(enabled)('behaviour', () => {
    let target: Target;
    let kms: KMSClient;
    let symmetric: string;
    let signing: string;

    beforeAll(async () => {
      target = await start();
      kms = new KMSClient({
        endpoint: target.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'example' },
      });
      symmetric =
        (await kms.send(new CreateKeyCommand({ Description: 'case data' }))).KeyMetadata?.KeyId ?? '';
      signing =
        (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })))
          .KeyMetadata?.KeyId ?? '';
      await kms.send(
        new CreateAliasCommand({ AliasName: 'alias/conformance/case-data', TargetKeyId: symmetric }),
      );
    }, 40_000);

    afterAll(async () => {
      kms?.destroy();
      await target?.stop();
    });

    const context = { accountId: 'lab-acme', orderId: 'ord_1' };

    it('round-trips a plaintext under an encryption context', async () => {
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: symmetric, Plaintext: Buffer.from('JD'), EncryptionContext: context }),
      );
      const { Plaintext, KeyId } = await kms.send(
        new DecryptCommand({ CiphertextBlob, EncryptionContext: context }),
      );
      expect(Buffer.from(Plaintext ?? []).toString()).toBe('JD');
      expect(KeyId).toContain(symmetric);
    });

    it('refuses to decrypt under a different or missing context', async () => {
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: symmetric, Plaintext: Buffer.from('JD'), EncryptionContext: context }),
      );
      await expect(
        kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { ...context, orderId: 'ord_2' } })),
      ).rejects.toHaveProperty('name', 'InvalidCiphertextException');
      await expect(kms.send(new DecryptCommand({ CiphertextBlob }))).rejects.toHaveProperty(
        'name',
        'InvalidCiphertextException',
      );
    });

    it('refuses a tampered ciphertext', async () => {
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: symmetric, Plaintext: Buffer.from('hello world') }),
      );
      const tampered = Buffer.from(CiphertextBlob ?? []);
      const last = tampered.length - 1;
      tampered[last] = (tampered[last] ?? 0) ^ 0x01;
      await expect(kms.send(new DecryptCommand({ CiphertextBlob: tampered }))).rejects.toHaveProperty(
        'name',
        'InvalidCiphertextException',
      );
    });

    it('resolves an alias like the key it names', async () => {
      const { KeyMetadata } = await kms.send(
        new DescribeKeyCommand({ KeyId: 'alias/conformance/case-data' }),
      );
      expect(KeyMetadata?.KeyId).toBe(symmetric);
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: 'alias/conformance/case-data', Plaintext: Buffer.from('x') }),
      );
      const { Plaintext } = await kms.send(new DecryptCommand({ CiphertextBlob }));
      expect(Buffer.from(Plaintext ?? []).toString()).toBe('x');
    });

    it('generates a data key whose ciphertext decrypts to its plaintext', async () => {
      const key = await kms.send(
        new GenerateDataKeyCommand({ KeyId: symmetric, KeySpec: 'AES_256', EncryptionContext: context }),
      );
      expect(key.Plaintext).toHaveLength(32);
      const { Plaintext } = await kms.send(
        new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, EncryptionContext: context }),
      );
      expect(Buffer.from(Plaintext ?? [])).toEqual(Buffer.from(key.Plaintext ?? []));
    });

    it('signs so that anyone with the public key can verify, and a changed message fails', async () => {
      const message = Buffer.from('{"certificate":"ord_1 purged"}');
      const { Signature } = await kms.send(
        new SignCommand({
          KeyId: signing,
          Message: message,
          MessageType: 'RAW',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      const ok = await kms.send(
        new VerifyCommand({ KeyId: signing, Message: message, Signature, SigningAlgorithm: 'ECDSA_SHA_256' }),
      );
      expect(ok.SignatureValid).toBe(true);
      const { PublicKey } = await kms.send(new GetPublicKeyCommand({ KeyId: signing }));
      const publicKey = createPublicKey({ key: Buffer.from(PublicKey ?? []), format: 'der', type: 'spki' });
      expect(
        verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, Buffer.from(Signature ?? [])),
      ).toBe(true);
      expect(
        verify(
          'sha256',
          Buffer.from('{"certificate":"ord_2 purged"}'),
          { key: publicKey, dsaEncoding: 'der' },
          Buffer.from(Signature ?? []),
        ),
      ).toBe(false);
      const bad = await kms
        .send(
          new VerifyCommand({
            KeyId: signing,
            Message: Buffer.from('something else'),
            Signature,
            SigningAlgorithm: 'ECDSA_SHA_256',
          }),
        )
        .then((r) => r.SignatureValid)
        .catch((e: { name: string }) => e.name);
      // AWS answers KMSInvalidSignatureException; some emulators answer SignatureValid: false. Both refuse.
      expect([false, 'KMSInvalidSignatureException']).toContain(bad);
    });

    // moto 5 encrypts with a SIGN_VERIFY key; AWS refuses with InvalidKeyUsageException, as we do.
    if (strict) {
      it('refuses a key used for the wrong purpose', async () => {
        await expect(
          kms.send(new EncryptCommand({ KeyId: signing, Plaintext: Buffer.from('x') })),
        ).rejects.toHaveProperty('name', 'InvalidKeyUsageException');
      });
    }

    it('answers NotFoundException for an unknown key', async () => {
      await expect(
        kms.send(
          new EncryptCommand({ KeyId: '11111111-2222-3333-4444-555555555555', Plaintext: Buffer.from('x') }),
        ),
      ).rejects.toHaveProperty('name', 'NotFoundException');
    });
  });
});

describe('KMS stand-in specifics', () => {
  it('refuses a request without a SigV4 Authorization header', async () => {
    const server = await startKmsServer({ region: 'us-east-1', accountId: '000000000000', port: 0 });
    try {
      const res = await fetch(server.endpoint, {
        method: 'POST',
        headers: { 'x-amz-target': 'TrentService.ListAliases', 'content-type': 'application/x-amz-json-1.1' },
        body: '{}',
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { __type: string }).__type).toBe('MissingAuthenticationTokenException');
    } finally {
      await server.close();
    }
  });

  it('keeps its keys across a restart when given a state file, so old ciphertexts still decrypt', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const stateFile = join(mkdtempSync(join(tmpdir(), 'kms-')), 'keys.json');
    const seed = [{ alias: 'alias/t', keySpec: 'SYMMETRIC_DEFAULT', keyUsage: 'ENCRYPT_DECRYPT' }] as const;
    const first = await startKmsServer({
      region: 'us-east-1',
      accountId: '000000000000',
      port: 0,
      stateFile,
      keys: seed,
    });
    const client1 = new KMSClient({
      endpoint: first.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const { CiphertextBlob } = await client1.send(
      new EncryptCommand({ KeyId: 'alias/t', Plaintext: Buffer.from('kept') }),
    );
    await first.close();
    const second = await startKmsServer({
      region: 'us-east-1',
      accountId: '000000000000',
      port: 0,
      stateFile,
      keys: seed,
    });
    const client2 = new KMSClient({
      endpoint: second.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const { Plaintext } = await client2.send(new DecryptCommand({ CiphertextBlob }));
    await second.close();
    expect(second.keyIdForAlias('alias/t')).toBe(first.keyIdForAlias('alias/t'));
    expect(Buffer.from(Plaintext ?? []).toString()).toBe('kept');
  });
});
