/**
 * The console's in-browser certificate check (Web Crypto) against signatures made as KMS makes
 * them (ECDSA P-256, SHA-256, DER) over the canonical bytes the CLI and openssl verify.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../lambdas/domain/canonical-json';
import { publicKeySha256 } from '../../lambdas/domain/certificate';
import { derToRaw, verifySignedDocument } from '../../web/src/certificate';

const keyPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    privateKey,
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    sha: publicKeySha256(spki),
  };
};

const signed = (key: ReturnType<typeof keyPair>) => {
  const certificate = {
    certificateId: 'cert_1',
    kind: 'order',
    accountId: 'lab-acme',
    orderId: 'ord_1',
    objects: [{ key: 'orders/ord_1/inputs/fil_1', versionId: 'v1', sizeBytes: 10 }],
  };
  const header = {
    algorithm: 'ECDSA_SHA_256',
    keyId: 'alias/caseline-certificates',
    publicKeySha256: key.sha,
  };
  const value = sign('sha256', Buffer.from(canonicalJson({ certificate, signature: header })), {
    key: key.privateKey,
    dsaEncoding: 'der',
  }).toString('base64');
  return { certificate, signature: { ...header, value } };
};

describe('verifySignedDocument (Web Crypto)', () => {
  it('accepts a certificate as signed, however its keys are ordered', async () => {
    const key = keyPair();
    const doc = signed(key);
    const reordered = JSON.parse(JSON.stringify({ signature: doc.signature, certificate: doc.certificate }));
    expect(await verifySignedDocument(reordered, key.pem)).toEqual({ valid: true });
  });

  it('refuses a changed value and says the content changed', async () => {
    const key = keyPair();
    const doc = signed(key);
    const tampered = { ...doc, certificate: { ...doc.certificate, orderId: 'ord_2' } };
    expect(await verifySignedDocument(tampered, key.pem)).toEqual({
      valid: false,
      reason: 'the certificate was changed after it was signed',
    });
  });

  it('refuses another key and says so', async () => {
    const doc = signed(keyPair());
    const verdict = await verifySignedDocument(doc, keyPair().pem);
    expect(verdict.valid).toBe(false);
    expect(verdict).toMatchObject({ reason: expect.stringContaining('another key') });
  });

  it('refuses a signature that is not DER', async () => {
    const key = keyPair();
    const doc = signed(key);
    const bad = { ...doc, signature: { ...doc.signature, value: Buffer.alloc(64, 1).toString('base64') } };
    expect(await verifySignedDocument(bad, key.pem)).toMatchObject({
      valid: false,
      reason: expect.stringContaining('DER'),
    });
  });

  it('converts DER to r‖s, left-padding short integers and dropping sign bytes', () => {
    const r = [0x00, ...Array(32).fill(0x80)]; // 33 bytes: a sign byte before a high bit
    const s = Array(31).fill(0x01); // 31 bytes: padded to 32
    const der = Uint8Array.from([0x30, 4 + r.length + s.length, 0x02, r.length, ...r, 0x02, s.length, ...s]);
    const raw = derToRaw(der);
    expect(raw?.length).toBe(64);
    expect(Array.from(raw?.subarray(0, 32) ?? [])).toEqual(Array(32).fill(0x80));
    expect(Array.from(raw?.subarray(32, 33) ?? [])).toEqual([0]);
    expect(derToRaw(der.subarray(0, der.length - 1))).toBeUndefined();
  });
});
