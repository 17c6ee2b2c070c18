/**
 * Verifies a deletion certificate in the browser, with Web Crypto and the public key from
 * GET /certificates/public-key: the same bytes the CLI and openssl check (docs/certificates.md),
 * built by the same canonicalJson (lambdas/domain/canonical-json.ts). KMS signs ECDSA in DER;
 * Web Crypto takes the raw r‖s form, so the signature is converted first.
 */
import { canonicalJson } from '../../lambdas/domain/canonical-json';

export interface SignedDocument {
  readonly certificate: unknown;
  readonly signature: {
    readonly algorithm: string;
    readonly keyId: string;
    readonly publicKeySha256: string;
    readonly value: string;
  };
}

export type Verdict = { valid: true } | { valid: false; reason: string };

const bytesOfBase64 = (b64: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

/** DER SEQUENCE { INTEGER r, INTEGER s } → 64 bytes r‖s (P-256), or undefined when malformed. */
export const derToRaw = (der: Uint8Array): Uint8Array<ArrayBuffer> | undefined => {
  if (der.length < 8 || der.length > 72 || der[0] !== 0x30 || der[1] !== der.length - 2) return undefined;
  const out = new Uint8Array(64);
  let at = 2;
  for (const slot of [0, 32]) {
    if (der[at] !== 0x02) return undefined;
    const len = der[at + 1] ?? 0;
    let int = der.subarray(at + 2, at + 2 + len);
    if (int.length !== len || len === 0 || len > 33) return undefined;
    while (int.length > 32 && int[0] === 0) int = int.subarray(1);
    if (int.length > 32) return undefined;
    out.set(int, slot + 32 - int.length);
    at += 2 + len;
  }
  return at === der.length ? out : undefined;
};

export const spkiOfPem = (pem: string): Uint8Array<ArrayBuffer> =>
  bytesOfBase64(pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '').replace(/\s+/g, ''));

export const verifySignedDocument = async (doc: SignedDocument, publicKeyPem: string): Promise<Verdict> => {
  const { signature } = doc;
  if (signature.algorithm !== 'ECDSA_SHA_256')
    return { valid: false, reason: `unknown signature algorithm ${signature.algorithm}` };
  const raw = derToRaw(bytesOfBase64(signature.value));
  if (!raw) return { valid: false, reason: 'the signature is not a DER-encoded ECDSA P-256 signature' };
  const spki = spkiOfPem(publicKeyPem);
  const key = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'verify',
  ]);
  const signed = new TextEncoder().encode(
    canonicalJson({
      certificate: doc.certificate,
      signature: {
        algorithm: signature.algorithm,
        keyId: signature.keyId,
        publicKeySha256: signature.publicKeySha256,
      },
    }),
  );
  if (await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, signed))
    return { valid: true };
  const given = hex(await crypto.subtle.digest('SHA-256', spki));
  return given !== signature.publicKeySha256
    ? { valid: false, reason: `signed by another key (${signature.keyId}) than the one given` }
    : { valid: false, reason: 'the certificate was changed after it was signed' };
};
