/**
 * The console's incremental SHA-256 of a scan (read in slices, as the hashing worker does) gives
 * the same hex digest as node:crypto over the whole file, whatever the slice boundaries: the
 * value the API's declare step compares with what lands in the bucket.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HASH_SLICE_BYTES, sha256HexOf } from '../../web/src/sha256';
import { meshBytes } from '../support/mesh-factory';

const nodeHex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('sha256HexOf', () => {
  it('hashes a multi-slice scan to node:crypto’s hex digest, reporting each slice', async () => {
    // Prepare: a binary STL a little over two default slices (so three reads, the last partial).
    const scan = meshBytes('stl-binary', { targetBytes: 2 * HASH_SLICE_BYTES + 123_457, seed: 3 });
    expect(scan.length).toBeGreaterThan(2 * HASH_SLICE_BYTES);
    const progress: number[] = [];
    // Act
    const hex = await sha256HexOf(new Blob([new Uint8Array(scan)]), (done, total) => {
      expect(total).toBe(scan.length);
      progress.push(done);
    });
    // Assess
    expect(hex).toBe(nodeHex(scan));
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(progress).toEqual([HASH_SLICE_BYTES, 2 * HASH_SLICE_BYTES, scan.length]);
  });

  it.each([1, 63, 64, 65, 1000])(
    'agrees with node:crypto with %i-byte slices (block edges)',
    async (slice) => {
      const bytes = new Uint8Array(meshBytes('stl-ascii', { triangles: 3, seed: slice }));
      expect(await sha256HexOf(new Blob([bytes]), undefined, slice)).toBe(nodeHex(bytes));
    },
  );

  it('hashes an empty file to the empty digest', async () => {
    expect(await sha256HexOf(new Blob([]))).toBe(nodeHex(new Uint8Array()));
  });
});
