import type { ClaimedExtension } from './types';

/** How many leading bytes inspectFile keeps for content sniffing. */
export const HEAD_BYTES = 1024;

const NAMES: Record<ClaimedExtension, string> = { stl: 'STL', ply: 'PLY', obj: 'OBJ' };
const ARTICLES: Record<ClaimedExtension, string> = { stl: 'an', ply: 'a', obj: 'an' };

interface Signature {
  test(head: Uint8Array, totalBytes: number): boolean;
  /** What the file is, as a noun phrase. */
  what: string;
  /** What the lab should do instead; `%s` is the claimed extension. */
  fix: string;
}

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  return bytes.every((b, i) => head[offset + i] === b);
}

function ascii(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}

function headText(head: Uint8Array, max = HEAD_BYTES): string {
  return String.fromCharCode(...head.subarray(0, max));
}

/**
 * True when the head has no control bytes other than whitespace. Binary STL cannot pass: its
 * triangle count (bytes 80–83) holds a byte below 0x09 for any count under 151 million, and
 * float32 coordinates are full of them.
 */
export function looksLikeText(head: Uint8Array): boolean {
  for (const b of head) {
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return false;
  }
  return true;
}

function firstStatement(head: Uint8Array): string | undefined {
  if (!looksLikeText(head)) return undefined;
  for (const line of headText(head).split('\n')) {
    const trimmed = line.trim();
    if (trimmed !== '' && !trimmed.startsWith('#')) return trimmed;
  }
  return undefined;
}

const MESH_FIX = 'upload it with the matching file extension, or export it again as %s.';
const ARCHIVE_FIX = 'unpack it and upload the %s file inside, or export the scan again as %s.';
const DOCUMENT_FIX = 'upload the scan itself, exported from the scanner or CAD software as %s.';

// Order matters only where signatures could overlap; none of these do.
const SIGNATURES: readonly Signature[] = [
  { what: 'a PDF document', fix: DOCUMENT_FIX, test: (h) => startsWith(h, ascii('%PDF-')) },
  {
    what: 'a ZIP archive (or a ZIP-based format such as 3MF)',
    fix: ARCHIVE_FIX,
    test: (h) =>
      [
        [3, 4],
        [5, 6],
        [7, 8],
      ].some(([a, b]) => startsWith(h, [0x50, 0x4b, a as number, b as number])),
  },
  { what: 'a gzip-compressed file', fix: ARCHIVE_FIX, test: (h) => startsWith(h, [0x1f, 0x8b]) },
  {
    what: 'a 7-Zip archive',
    fix: ARCHIVE_FIX,
    test: (h) => startsWith(h, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]),
  },
  { what: 'a RAR archive', fix: ARCHIVE_FIX, test: (h) => startsWith(h, ascii('Rar!\x1a\x07')) },
  { what: 'a PNG image', fix: DOCUMENT_FIX, test: (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47]) },
  { what: 'a JPEG image', fix: DOCUMENT_FIX, test: (h) => startsWith(h, [0xff, 0xd8, 0xff]) },
  { what: 'a GIF image', fix: DOCUMENT_FIX, test: (h) => startsWith(h, ascii('GIF8')) },
  {
    what: 'a TIFF image',
    fix: DOCUMENT_FIX,
    test: (h) => startsWith(h, [0x49, 0x49, 0x2a, 0x00]) || startsWith(h, [0x4d, 0x4d, 0x00, 0x2a]),
  },
  // CBCT volumes are DICOM: a 128-byte preamble, then "DICM".
  {
    what: 'a DICOM image (CBCT or X-ray)',
    fix: DOCUMENT_FIX,
    test: (h) => startsWith(h, ascii('DICM'), 128),
  },
  {
    what: 'a Microsoft Office document',
    fix: DOCUMENT_FIX,
    test: (h) => startsWith(h, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
  },
  { what: 'a binary glTF model', fix: MESH_FIX, test: (h) => startsWith(h, ascii('glTF')) },
  {
    what: 'a web page (HTML)',
    fix: DOCUMENT_FIX,
    test: (h) => looksLikeText(h) && /^\s*<(!doctype html|html)/i.test(headText(h, 64)),
  },
];

const MESH_SIGNATURES: Record<ClaimedExtension, Signature> = {
  ply: {
    what: 'a PLY mesh',
    fix: MESH_FIX,
    test: (h) => looksLikeText(h.subarray(0, 4)) && /^ply\r?\n/.test(headText(h, 5)),
  },
  stl: {
    what: 'an STL mesh',
    fix: MESH_FIX,
    test: (h) => looksLikeText(h) && /^\s*solid\b[^\n]*\n\s*(facet|endsolid)\b/i.test(headText(h)),
  },
  obj: {
    what: 'an OBJ mesh',
    fix: MESH_FIX,
    test: (h) => /^(v|vn|vt|f|o|g|mtllib|usemtl)\s/.test(firstStatement(h) ?? ''),
  },
};

/** A binary STL is recognised by its size equation, not by magic bytes: it has none. */
function isBinaryStl(head: Uint8Array, totalBytes: number): boolean {
  if (head.length < 84 || looksLikeText(head)) return false;
  const declared = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(80, true);
  return declared > 0 && totalBytes === 84 + 50 * declared;
}

/**
 * When a file fails its check, says what it actually is if that is clear from its first bytes
 * ("a PDF document", "a PLY mesh"): the lab then knows it picked the wrong file rather than
 * that its scanner wrote a broken one. Only consulted after a check failed, so a binary STL
 * whose free-form header happens to start with "PK" is still accepted.
 */
export function identifyOtherFormat(
  claimed: ClaimedExtension,
  head: Uint8Array,
  totalBytes: number,
): string | undefined {
  const name = NAMES[claimed];
  const others: Signature[] = (Object.keys(MESH_SIGNATURES) as ClaimedExtension[])
    .filter((ext) => ext !== claimed)
    .map((ext) => MESH_SIGNATURES[ext]);
  if (claimed !== 'stl') {
    others.push({ what: 'a binary STL mesh', fix: MESH_FIX, test: isBinaryStl });
  }
  const found = [...SIGNATURES, ...others].find((s) => s.test(head, totalBytes));
  if (found === undefined) return undefined;
  return `The file is named .${claimed} but holds ${found.what}, not ${ARTICLES[claimed]} ${name} mesh: ${found.fix.replaceAll('%s', name)}`;
}
