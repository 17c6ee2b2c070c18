/**
 * ECDSA over NIST P-256 on a digest the caller already computed. KMS Sign and Verify accept
 * MessageType DIGEST, and node:crypto cannot do that for EC keys: its sign() always hashes again
 * (even with a null algorithm, OpenSSL falls back to SHA-256), which yields signatures that verify
 * against nobody's message. Textbook Jacobian arithmetic on BigInt: not constant-time, which is
 * acceptable for a local stand-in holding throwaway test keys and never for production keys.
 */
import { type KeyObject, randomBytes } from 'node:crypto';

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

interface Point {
  x: bigint;
  y: bigint;
  z: bigint;
}

const INFINITY: Point = { x: 0n, y: 1n, z: 0n };
const G: Point = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
  z: 1n,
};

const mod = (a: bigint, m = P): bigint => {
  const r = a % m;
  return r < 0n ? r + m : r;
};

const pow = (base: bigint, exponent: bigint, m: bigint): bigint => {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
};

/** Fermat inverse: both P and N are prime. */
const inverse = (a: bigint, m: bigint): bigint => pow(a, m - 2n, m);

// The curve has a = -3, which is what lets M be computed as 3(x - z²)(x + z²).
const double = ({ x, y, z }: Point): Point => {
  if (z === 0n || y === 0n) return INFINITY;
  const yy = mod(y * y);
  const s = mod(4n * x * yy);
  const zz = mod(z * z);
  const m = mod(3n * (x - zz) * (x + zz));
  const x3 = mod(m * m - 2n * s);
  return { x: x3, y: mod(m * (s - x3) - 8n * yy * yy), z: mod(2n * y * z) };
};

const add = (p: Point, q: Point): Point => {
  if (p.z === 0n) return q;
  if (q.z === 0n) return p;
  const pz2 = mod(p.z * p.z);
  const qz2 = mod(q.z * q.z);
  const u1 = mod(p.x * qz2);
  const u2 = mod(q.x * pz2);
  const s1 = mod(p.y * q.z * qz2);
  const s2 = mod(q.y * p.z * pz2);
  if (u1 === u2) return s1 === s2 ? double(p) : INFINITY;
  const h = mod(u2 - u1);
  const r = mod(s2 - s1);
  const hh = mod(h * h);
  const hhh = mod(h * hh);
  const v = mod(u1 * hh);
  const x3 = mod(r * r - hhh - 2n * v);
  return { x: x3, y: mod(r * (v - x3) - s1 * hhh), z: mod(h * p.z * q.z) };
};

const multiply = (k: bigint, p: Point): Point => {
  let acc = INFINITY;
  for (const bit of k.toString(2)) {
    acc = double(acc);
    if (bit === '1') acc = add(acc, p);
  }
  return acc;
};

const affineX = (p: Point): bigint => {
  const zi = inverse(p.z, P);
  return mod(p.x * mod(zi * zi));
};

const toBigInt = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString('hex') || '0'}`);

const fromBase64Url = (value: string | undefined): bigint => {
  if (!value) throw new Error('P-256 key is missing a JWK component');
  return toBigInt(Buffer.from(value, 'base64url'));
};

/** Leftmost 256 bits of the digest, as FIPS 186-4 takes them for a 256-bit order. */
const digestToInt = (digest: Buffer): bigint => toBigInt(digest.subarray(0, 32));

const derInteger = (value: bigint): Buffer => {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] ?? 0) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
};

const toDer = (r: bigint, s: bigint): Buffer => {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
};

/** Strict DER, like OpenSSL: a signature is accepted only in its one canonical encoding. */
const fromDer = (signature: Buffer): { r: bigint; s: bigint } | undefined => {
  if (signature[0] !== 0x30 || signature[1] !== signature.length - 2) return undefined;
  const values: bigint[] = [];
  for (let i = 2; i < signature.length; ) {
    const length = signature[i + 1] ?? 0;
    const bytes = signature.subarray(i + 2, i + 2 + length);
    if (signature[i] !== 0x02 || length === 0 || bytes.length !== length) return undefined;
    values.push(toBigInt(bytes));
    i += 2 + length;
  }
  const [r, s] = values;
  if (values.length !== 2 || r === undefined || s === undefined) return undefined;
  return toDer(r, s).equals(signature) ? { r, s } : undefined;
};

/** DER-encoded ECDSA signature of a 32-byte digest, as KMS returns for ECDSA_SHA_256. */
export const signP256Digest = (privateKey: KeyObject, digest: Buffer): Buffer => {
  const d = fromBase64Url(privateKey.export({ format: 'jwk' }).d);
  const e = digestToInt(digest);
  for (;;) {
    // 384 random bits reduced mod N: the bias is below 2^-128.
    const k = (toBigInt(randomBytes(48)) % (N - 1n)) + 1n;
    const r = mod(affineX(multiply(k, G)), N);
    if (r === 0n) continue;
    const s = mod(inverse(k, N) * (e + r * d), N);
    if (s !== 0n) return toDer(r, s);
  }
};

export const verifyP256Digest = (publicKey: KeyObject, digest: Buffer, signature: Buffer): boolean => {
  const parsed = fromDer(signature);
  if (!parsed) return false;
  const { r, s } = parsed;
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const jwk = publicKey.export({ format: 'jwk' });
  const q: Point = { x: fromBase64Url(jwk.x), y: fromBase64Url(jwk.y), z: 1n };
  const w = inverse(s, N);
  const point = add(multiply(mod(digestToInt(digest) * w, N), G), multiply(mod(r * w, N), q));
  return point.z !== 0n && mod(affineX(point), N) === r;
};
