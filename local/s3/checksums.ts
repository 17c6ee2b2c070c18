/**
 * The checksums S3 verifies on upload (x-amz-checksum-*), computed while the body streams in.
 * Values are base64 of the big-endian digest, as S3 sends and expects them.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export const checksumHeader = (algorithm: ChecksumAlgorithm) => `x-amz-checksum-${algorithm.toLowerCase()}`;

/** Raw digest length in bytes, to refuse a malformed value before any body is read. */
export const DIGEST_BYTES: Record<ChecksumAlgorithm, number> = { CRC32: 4, CRC32C: 4, SHA1: 20, SHA256: 32 };

export const isChecksumAlgorithm = (value: string): value is ChecksumAlgorithm =>
  (CHECKSUM_ALGORITHMS as readonly string[]).includes(value);

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export interface Hasher {
  update(chunk: Uint8Array): void;
  digest(): Buffer;
}

const crcHasher = (step: (chunk: Uint8Array, crc: number) => number): Hasher => {
  let crc = 0;
  return {
    update: (chunk) => {
      crc = step(chunk, crc);
    },
    digest: () => {
      const out = Buffer.alloc(4);
      out.writeUInt32BE(crc >>> 0);
      return out;
    },
  };
};

const crc32c = (chunk: Uint8Array, previous: number): number => {
  let crc = ~previous >>> 0;
  for (let i = 0; i < chunk.length; i++) {
    crc = (CRC32C_TABLE[(crc ^ (chunk[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  }
  return ~crc >>> 0;
};

export const hasher = (algorithm: ChecksumAlgorithm | 'MD5'): Hasher => {
  if (algorithm === 'CRC32') return crcHasher((chunk, crc) => crc32(chunk, crc));
  if (algorithm === 'CRC32C') return crcHasher(crc32c);
  const hash = createHash(algorithm === 'SHA1' ? 'sha1' : algorithm === 'SHA256' ? 'sha256' : 'md5');
  return { update: (chunk) => hash.update(chunk), digest: () => hash.digest() };
};

export const digestOf = (algorithm: ChecksumAlgorithm | 'MD5', data: Uint8Array): Buffer => {
  const h = hasher(algorithm);
  h.update(data);
  return h.digest();
};
