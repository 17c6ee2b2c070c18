/**
 * The mesh worker: checks a downloaded mesh against its SHA-256 (Web Crypto: the bytes are already
 * whole in memory here, and the native digest is the fastest), then parses it (mesh-parse.ts) and
 * hands back typed arrays, transferred. The main thread only builds the geometry and draws.
 */

import { serve } from '../workers/protocol';
import { buffersOf, type MeshFormat, type ParsedPart, parseMesh } from './mesh-parse';

export interface ParseRequest {
  readonly format: MeshFormat;
  readonly bytes: ArrayBuffer;
  /** Hex SHA-256 the bytes must have (downloads); none for a designer's file read from disk. */
  readonly sha256?: string;
}

class MeshIntegrityError extends Error {
  override readonly name = 'MeshIntegrityError';
}

const hex = (digest: ArrayBuffer) =>
  Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');

serve<ParseRequest, ParsedPart[]>(async ({ format, bytes, sha256 }) => {
  if (sha256 !== undefined && hex(await crypto.subtle.digest('SHA-256', bytes)) !== sha256)
    throw new MeshIntegrityError('The download does not match its SHA-256, so it was not used.');
  const parts = parseMesh(format, bytes);
  return { result: parts, transfer: buffersOf(parts) };
});
