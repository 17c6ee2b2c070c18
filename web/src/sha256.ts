/**
 * Incremental SHA-256 of a Blob (a scan picked from disk), read in slices: memory stays at one
 * slice however large the file. Web Crypto's digest is one-shot (the whole file in memory), so
 * this uses @noble/hashes (audited, pure JavaScript: no WebAssembly, which the console's CSP would
 * have to allow with 'wasm-unsafe-eval'). Runs in the hashing worker (workers/hash-worker.ts); plain
 * enough to be unit-tested in Node against node:crypto.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** 8 MiB: few enough reads for a 100 MB scan, and a progress step every ~60 ms. */
export const HASH_SLICE_BYTES = 8 * 1024 * 1024;

/** Lower-case hex SHA-256 of `blob`, the encoding the API's declare step asks for. */
export const sha256HexOf = async (
  blob: Blob,
  onProgress?: (done: number, total: number) => void,
  sliceBytes = HASH_SLICE_BYTES,
): Promise<string> => {
  const hash = sha256.create();
  for (let offset = 0; offset < blob.size; offset += sliceBytes) {
    const end = Math.min(blob.size, offset + sliceBytes);
    hash.update(new Uint8Array(await blob.slice(offset, end).arrayBuffer()));
    onProgress?.(end, blob.size);
  }
  return bytesToHex(hash.digest());
};
