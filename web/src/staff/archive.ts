/**
 * Checks an export archive in the browser: reads the zip's central directory (ZIP64 too), finds
 * manifest.json, checks its SHA-256 against the one the API recorded, its ECDSA P-256 signature
 * with Web Crypto against the public key from the API (the canonical JSON of the document without
 * `signature.value`, as the CLI and openssl check), then every file it lists: present, its size
 * and its SHA-256. What it cannot check: an audit export's events against the signed digest chain
 * (`caseline verify-audit DIR --key KEY` does that).
 */
import { canonicalJson } from '../../../lambdas/domain/canonical-json';
import { derToRaw, spkiOfPem } from '../certificate';

export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly offset: number;
}

export class ArchiveError extends Error {
  override readonly name = 'ArchiveError';
}

const u16 = (v: DataView, at: number) => v.getUint16(at, true);
const u32 = (v: DataView, at: number) => v.getUint32(at, true);
const u64 = (v: DataView, at: number) => Number(v.getBigUint64(at, true));

/** The central directory's entries. Bounded: at most 1,000,000 entries, each read once. */
export const zipEntries = (zip: Uint8Array): ZipEntry[] => {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // End of central directory: 22 bytes plus a comment of at most 65,535.
  let eocd = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 65535); at--)
    if (u32(v, at) === 0x06054b50) {
      eocd = at;
      break;
    }
  if (eocd < 0) throw new ArchiveError('not a zip archive (no end of central directory)');
  let count = u16(v, eocd + 10);
  let cdOffset = u32(v, eocd + 16);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && u32(v, eocd - 20) === 0x07064b50) {
    const z64 = u64(v, eocd - 12);
    if (z64 + 56 > zip.length || u32(v, z64) !== 0x06064b50) throw new ArchiveError('broken ZIP64 directory');
    count = u64(v, z64 + 32);
    cdOffset = u64(v, z64 + 48);
  }
  if (count > 1_000_000) throw new ArchiveError('too many entries');
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > zip.length || u32(v, at) !== 0x02014b50) throw new ArchiveError('broken central directory');
    const nameLen = u16(v, at + 28);
    const extraLen = u16(v, at + 30);
    const commentLen = u16(v, at + 32);
    let compressedSize = u32(v, at + 20);
    let size = u32(v, at + 24);
    let offset = u32(v, at + 42);
    // ZIP64 extra field: the 64-bit values of the fields that read 0xFFFFFFFF, in this order.
    for (let x = at + 46 + nameLen; x + 4 <= at + 46 + nameLen + extraLen; ) {
      const id = u16(v, x);
      const len = u16(v, x + 2);
      if (id === 0x0001) {
        let y = x + 4;
        if (size === 0xffffffff) {
          size = u64(v, y);
          y += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(v, y);
          y += 8;
        }
        if (offset === 0xffffffff) offset = u64(v, y);
      }
      x += 4 + len;
    }
    entries.push({
      name: decoder.decode(zip.subarray(at + 46, at + 46 + nameLen)),
      method: u16(v, at + 10),
      compressedSize,
      size,
      offset,
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
};

/** One entry's bytes: stored, or deflated (DecompressionStream 'deflate-raw'). */
export const entryBytes = async (zip: Uint8Array, e: ZipEntry): Promise<Uint8Array<ArrayBuffer>> => {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  if (e.offset + 30 > zip.length || u32(v, e.offset) !== 0x04034b50)
    throw new ArchiveError(`${e.name}: broken local header`);
  const start = e.offset + 30 + u16(v, e.offset + 26) + u16(v, e.offset + 28);
  const raw = zip.slice(start, start + e.compressedSize);
  if (e.method === 0) return raw;
  if (e.method !== 8) throw new ArchiveError(`${e.name}: compression method ${e.method} not supported`);
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
};

const hex = (bytes: ArrayBuffer) =>
  Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');
const sha256 = async (bytes: Uint8Array<ArrayBuffer>) => hex(await crypto.subtle.digest('SHA-256', bytes));

interface Signature {
  algorithm?: unknown;
  keyId?: unknown;
  publicKeySha256?: unknown;
  value?: unknown;
}
type Listed = { path?: unknown; sizeBytes?: unknown; sha256?: unknown };

export type ArchiveVerdict = { valid: true; files: number } | { valid: false; reason: string };

/**
 * `kind` says where the manifest keeps its file list: a portability export signs
 * `{ manifest: { files }, signature }`, an audit export `{ files, …, signature }`.
 */
export const verifyArchive = async (
  zip: Uint8Array,
  kind: 'account-export' | 'audit-export',
  publicKeyPem: string,
  manifestSha256: string | undefined,
): Promise<ArchiveVerdict> => {
  try {
    const entries = zipEntries(zip);
    const byName = new Map(entries.map((e) => [e.name, e]));
    const entry = byName.get('manifest.json');
    if (!entry) return { valid: false, reason: 'no manifest.json in the archive' };
    const bytes = await entryBytes(zip, entry);
    if (manifestSha256 && (await sha256(bytes)) !== manifestSha256)
      return { valid: false, reason: 'manifest.json is not the one the export recorded' };
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as {
      signature?: Signature;
      files?: Listed[];
      manifest?: { files?: Listed[] };
    };
    const sig = doc.signature;
    if (sig?.algorithm !== 'ECDSA_SHA_256' || typeof sig.value !== 'string')
      return { valid: false, reason: 'manifest.json carries no ECDSA_SHA_256 signature' };
    const der = Uint8Array.from(atob(sig.value), (c) => c.charCodeAt(0));
    const raw = derToRaw(der);
    if (!raw) return { valid: false, reason: 'the signature is not a DER-encoded ECDSA P-256 signature' };
    const spki = spkiOfPem(publicKeyPem);
    if (hex(await crypto.subtle.digest('SHA-256', spki)) !== sig.publicKeySha256)
      return { valid: false, reason: 'signed by another key than the one the API gives' };
    const key = await crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'verify',
    ]);
    const { value: _value, ...header } = sig;
    const signed = new TextEncoder().encode(canonicalJson({ ...doc, signature: header }));
    if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, raw, signed)))
      return { valid: false, reason: 'manifest.json was changed after it was signed' };
    const files = (kind === 'account-export' ? doc.manifest?.files : doc.files) ?? [];
    for (const f of files) {
      const e = typeof f.path === 'string' ? byName.get(f.path) : undefined;
      if (!e) return { valid: false, reason: `${String(f.path)} is listed but not in the archive` };
      const content = await entryBytes(zip, e);
      if (content.length !== f.sizeBytes) return { valid: false, reason: `${e.name}: size differs` };
      if ((await sha256(content)) !== f.sha256) return { valid: false, reason: `${e.name}: SHA-256 differs` };
    }
    return { valid: true, files: files.length };
  } catch (e) {
    return { valid: false, reason: e instanceof Error ? e.message : 'the archive could not be read' };
  }
};
