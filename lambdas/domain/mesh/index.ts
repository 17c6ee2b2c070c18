import { createHash } from 'node:crypto';
import { ObjChecker } from './obj';
import { PlyChecker } from './ply';
import { HEAD_BYTES, identifyOtherFormat } from './sniff';
import { StlChecker } from './stl';
import type { ClaimedExtension, FileInspection, MeshChecker } from './types';

export type { ClaimedExtension, FileInspection, MeshFacts, MeshFormat } from './types';

/*
 * Throughput, measured on the development container (2 vCPU, Node 20.20) reading generated
 * files from disk with fs.createReadStream; peak RSS is the whole process, runtime included:
 *   binary STL, 200 MiB (4.19 M triangles): 510–550 MiB/s in 64 KiB chunks, 640–650 MiB/s in
 *     1 MiB chunks; peak RSS 118 MiB against 106–112 MiB for SHA-256 alone (which runs at
 *     720–930 MiB/s), so the check costs ~10 MiB and about a third of the time.
 *   binary PLY ~320 MiB/s; ASCII STL and OBJ 64–74 MiB/s; ASCII PLY ~55 MiB/s. Text formats are
 *     bound by per-line string and number parsing, and their short-lived strings let V8 grow
 *     its heap to a plateau: peak RSS 93 MiB for a 19 MiB OBJ, 149 MiB at 256 MiB, 151 MiB at
 *     480 MiB, i.e. flat in file size.
 */

/**
 * Reads an uploaded scan once, computing its size, SHA-256 and format check together.
 * Memory is bounded whatever the file size: each format is a chunk-wise state machine that
 * carries at most a partial line or record across chunk boundaries, and the first KiB is kept
 * for content sniffing. The whole stream is always consumed, even after a problem is found,
 * because the size and checksum describe the stored object either way.
 */
export async function inspectFile(
  claimedExtension: ClaimedExtension,
  body: AsyncIterable<Uint8Array>,
): Promise<FileInspection> {
  const hash = createHash('sha256');
  const head = new Uint8Array(HEAD_BYTES);
  let headLength = 0;
  let sizeBytes = 0;
  const checker = createChecker(claimedExtension, () => head.subarray(0, headLength));
  for await (const chunk of body) {
    if (chunk.byteLength === 0) continue;
    hash.update(chunk);
    sizeBytes += chunk.byteLength;
    if (headLength < HEAD_BYTES) {
      const take = Math.min(HEAD_BYTES - headLength, chunk.byteLength);
      head.set(chunk.subarray(0, take), headLength);
      headLength += take;
    }
    checker.push(chunk);
  }
  const sha256 = hash.digest('hex');
  if (sizeBytes === 0) {
    return {
      sizeBytes,
      sha256,
      problem: `The file is empty (0 bytes): the upload did not complete; ${REUPLOAD}`,
    };
  }
  const verdict = checker.finish(sizeBytes);
  if (verdict.mesh) return { sizeBytes, sha256, mesh: verdict.mesh };
  const otherFormat = identifyOtherFormat(claimedExtension, head.subarray(0, headLength), sizeBytes);
  return { sizeBytes, sha256, problem: otherFormat ?? verdict.problem };
}

const REUPLOAD = 'export the scan again and re-upload it.';

function createChecker(claimed: ClaimedExtension, head: () => Uint8Array): MeshChecker {
  switch (claimed) {
    case 'stl':
      return new StlChecker(head);
    case 'ply':
      return new PlyChecker();
    case 'obj':
      return new ObjChecker();
  }
}
