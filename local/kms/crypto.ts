/**
 * The cryptography behind the KMS stand-in, all node:crypto: AES-256-GCM envelopes for symmetric
 * keys and ECDSA / RSA signatures whose public keys verify with any standard library.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { signP256Digest, verifyP256Digest } from './p256';

export type KeySpec = 'SYMMETRIC_DEFAULT' | 'ECC_NIST_P256' | 'RSA_2048' | 'HMAC_256';
export type KeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC';

type Hash = 'sha256' | 'sha384' | 'sha512';
export interface SigningAlgorithm {
  readonly name: string;
  readonly scheme: 'ecdsa' | 'pss' | 'pkcs1';
  readonly hash: Hash;
}

const rsa = (scheme: 'pss' | 'pkcs1', hash: Hash): SigningAlgorithm => ({
  name: `RSASSA_${scheme === 'pss' ? 'PSS' : 'PKCS1_V1_5'}_${hash.replace('sha', 'SHA_')}`,
  scheme,
  hash,
});

/** What KMS lists per key spec, in the order DescribeKey and GetPublicKey show it. */
export const SIGNING_ALGORITHMS: Readonly<Record<KeySpec, readonly SigningAlgorithm[]>> = {
  SYMMETRIC_DEFAULT: [],
  HMAC_256: [],
  ECC_NIST_P256: [{ name: 'ECDSA_SHA_256', scheme: 'ecdsa', hash: 'sha256' }],
  RSA_2048: [
    rsa('pkcs1', 'sha256'),
    rsa('pkcs1', 'sha384'),
    rsa('pkcs1', 'sha512'),
    rsa('pss', 'sha256'),
    rsa('pss', 'sha384'),
    rsa('pss', 'sha512'),
  ],
};

export const DIGEST_LENGTH: Readonly<Record<Hash, number>> = { sha256: 32, sha384: 48, sha512: 64 };

/** What KMS lists per HMAC key spec: one algorithm each. */
export const MAC_ALGORITHMS: Readonly<Partial<Record<KeySpec, { name: string; hash: Hash }>>> = {
  HMAC_256: { name: 'HMAC_SHA_256', hash: 'sha256' },
};

/** HMAC over the message with the key's secret, as KMS GenerateMac computes it (RFC 2104). */
export const macWith = (material: string, hash: Hash, message: Buffer): Buffer =>
  createHmac(hash, Buffer.from(material, 'base64')).update(message).digest();

/** Base64 key material: a raw 256-bit AES or HMAC secret, or a PKCS#8 DER private key. */
export const generateKeyMaterial = (spec: KeySpec): string => {
  if (spec === 'SYMMETRIC_DEFAULT' || spec === 'HMAC_256') return randomBytes(32).toString('base64');
  const { privateKey } =
    spec === 'ECC_NIST_P256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
};

/**
 * Canonical AAD: pairs sorted by key, JSON-encoded so that {ab: c} and {a: bc} differ (plain
 * concatenation would confuse them). No context and an empty one are the same, as in KMS.
 */
const contextAad = (context: Readonly<Record<string, string>> | undefined): Buffer => {
  const ctx = context ?? {};
  return Buffer.from(
    JSON.stringify(
      Object.keys(ctx)
        .sort()
        .map((k) => [k, ctx[k]]),
    ),
  );
};

// Blob layout: version (1) | key id length (1) | key id (utf8) | iv (12) | tag (16) | ciphertext.
// Version 1 is what earlier builds wrote, so ciphertexts kept in local .data still decrypt.
const BLOB_VERSION = 1;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

export const seal = (
  keyId: string,
  material: string,
  plaintext: Buffer,
  context: Readonly<Record<string, string>> | undefined,
): Buffer => {
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(material, 'base64'), iv);
  cipher.setAAD(contextAad(context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const id = Buffer.from(keyId, 'utf8');
  return Buffer.concat([Buffer.from([BLOB_VERSION, id.length]), id, iv, cipher.getAuthTag(), body]);
};

/** The key id a blob names, or undefined when it is not one of ours. */
export const blobKeyId = (blob: Buffer): string | undefined => {
  const idLength = blob[1] ?? 0;
  if (blob[0] !== BLOB_VERSION || idLength === 0 || blob.length < 2 + idLength + IV_LENGTH + TAG_LENGTH) {
    return undefined;
  }
  return blob.subarray(2, 2 + idLength).toString('utf8');
};

/** Plaintext, or undefined when the blob, the key or the context do not match. */
export const open = (
  material: string,
  blob: Buffer,
  context: Readonly<Record<string, string>> | undefined,
): Buffer | undefined => {
  const rest = blob.subarray(2 + (blob[1] ?? 0));
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      Buffer.from(material, 'base64'),
      rest.subarray(0, IV_LENGTH),
    );
    decipher.setAAD(contextAad(context));
    decipher.setAuthTag(rest.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH));
    return Buffer.concat([decipher.update(rest.subarray(IV_LENGTH + TAG_LENGTH)), decipher.final()]);
  } catch {
    return undefined;
  }
};

// DER DigestInfo prefixes (RFC 8017 §9.2 note 1) for PKCS#1 v1.5 over a precomputed digest.
const DIGEST_INFO: Readonly<Record<Hash, string>> = {
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

const mgf1 = (hash: Hash, seed: Buffer, length: number): Buffer => {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * DIGEST_LENGTH[hash] < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash(hash).update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
};

const xorInPlace = (target: Buffer, mask: Buffer) => {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] ?? 0) ^ (mask[i] ?? 0);
};

const pssHash = (hash: Hash, digest: Buffer, salt: Buffer) =>
  createHash(hash).update(Buffer.alloc(8)).update(digest).update(salt).digest();

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with a salt as long as the digest, which is what KMS uses. */
const pssEncode = (hash: Hash, digest: Buffer, emBits: number): Buffer => {
  const emLength = Math.ceil(emBits / 8);
  const salt = randomBytes(digest.length);
  const h = pssHash(hash, digest, salt);
  const db = Buffer.alloc(emLength - digest.length - 1);
  db[db.length - salt.length - 1] = 0x01;
  salt.copy(db, db.length - salt.length);
  xorInPlace(db, mgf1(hash, h, db.length));
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLength - emBits));
  return Buffer.concat([db, h, Buffer.from([0xbc])]);
};

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2), salt length fixed to the digest length. */
const pssVerify = (hash: Hash, digest: Buffer, em: Buffer, emBits: number): boolean => {
  const hLength = digest.length;
  const topMask = 0xff >> (8 * em.length - emBits);
  if (em.length < 2 * hLength + 2 || em[em.length - 1] !== 0xbc || ((em[0] ?? 0) & ~topMask) !== 0) {
    return false;
  }
  const db = Buffer.from(em.subarray(0, em.length - hLength - 1));
  const h = em.subarray(em.length - hLength - 1, em.length - 1);
  xorInPlace(db, mgf1(hash, h, db.length));
  db[0] = (db[0] ?? 0) & topMask;
  const separator = db.length - hLength - 1;
  if (db[separator] !== 0x01 || db.subarray(0, separator).some((b) => b !== 0)) return false;
  return timingSafeEqual(pssHash(hash, digest, db.subarray(separator + 1)), h);
};

const modulusBits = (key: KeyObject) => key.asymmetricKeyDetails?.modulusLength ?? 2048;

const nativeOptions = (key: KeyObject, algorithm: SigningAlgorithm) =>
  algorithm.scheme === 'ecdsa'
    ? { key, dsaEncoding: 'der' as const }
    : algorithm.scheme === 'pss'
      ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: DIGEST_LENGTH[algorithm.hash] }
      : { key, padding: constants.RSA_PKCS1_PADDING };

/**
 * Signs a message (RAW), which node:crypto does natively, or a digest the caller computed (DIGEST),
 * which node:crypto cannot: the digest paths build the padding themselves and use the raw primitive.
 */
export const signWith = (
  key: KeyObject,
  algorithm: SigningAlgorithm,
  input: Buffer,
  isDigest: boolean,
): Buffer => {
  if (!isDigest) return sign(algorithm.hash, input, nativeOptions(key, algorithm));
  switch (algorithm.scheme) {
    case 'ecdsa':
      return signP256Digest(key, input);
    case 'pkcs1':
      return privateEncrypt(
        { key, padding: constants.RSA_PKCS1_PADDING },
        Buffer.concat([Buffer.from(DIGEST_INFO[algorithm.hash], 'hex'), input]),
      );
    case 'pss': {
      const bits = modulusBits(key);
      const em = pssEncode(algorithm.hash, input, bits - 1);
      const block = Buffer.concat([Buffer.alloc(Math.ceil(bits / 8) - em.length), em]);
      return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, block);
    }
  }
};

export const verifyWith = (
  key: KeyObject,
  algorithm: SigningAlgorithm,
  input: Buffer,
  isDigest: boolean,
  signature: Buffer,
): boolean => {
  try {
    if (!isDigest) return verify(algorithm.hash, input, nativeOptions(key, algorithm), signature);
    switch (algorithm.scheme) {
      case 'ecdsa':
        return verifyP256Digest(key, input, signature);
      case 'pkcs1': {
        const expected = Buffer.concat([Buffer.from(DIGEST_INFO[algorithm.hash], 'hex'), input]);
        const actual = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
        return actual.length === expected.length && timingSafeEqual(actual, expected);
      }
      case 'pss': {
        const bits = modulusBits(key);
        const block = publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature);
        const emLength = Math.ceil((bits - 1) / 8);
        const leading = block.subarray(0, block.length - emLength);
        if (leading.some((b) => b !== 0)) return false;
        return pssVerify(algorithm.hash, input, block.subarray(block.length - emLength), bits - 1);
      }
    }
  } catch {
    // Malformed signatures (wrong length, out of range) make the primitives throw: just invalid.
    return false;
  }
};
