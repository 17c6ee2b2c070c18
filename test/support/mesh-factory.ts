/**
 * Synthetic scan files for tests, the demo and benchmarks. Every generator streams: it yields
 * ~1 MiB Buffers computed on demand, so a 500 MB file costs no more memory than a small one.
 * Output is deterministic for a given kind and options (seeded PRNG, no clock, no Math.random).
 *
 * The surface is a dental-arch-like horseshoe tube: a tessellated ring swept along an arch
 * curve, wider at the molar ends, with fourteen tooth bumps on top and a little scanner noise,
 * so bounding boxes look like a jaw (about 58 × 50 × 25 mm). The grid is rows × cols quads
 * emitted row by row; a mesh of n triangles is the first n triangles of that order, so
 * `triangles` is exact and small fixtures are still valid meshes.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';

export type ValidMeshKind = 'stl-binary' | 'stl-ascii' | 'ply-ascii' | 'ply-binary' | 'ply-binary-be' | 'obj';

export type BrokenMeshKind =
  | 'stl-binary-truncated'
  | 'stl-binary-wrong-count'
  | 'stl-binary-no-triangles'
  | 'stl-binary-nan'
  | 'stl-ascii-no-endsolid'
  | 'stl-ascii-bad-vertex'
  | 'ply-missing-vertices'
  | 'ply-binary-truncated'
  | 'ply-bad-header'
  | 'ply-face-out-of-range'
  | 'obj-face-out-of-range'
  | 'obj-no-faces'
  | 'pdf'
  | 'zip'
  | 'empty';

export type MeshKind = ValidMeshKind | BrokenMeshKind;

export interface MeshOptions {
  /** Exact triangle count of the (underlying) mesh. Default: from `targetBytes`, else 2,000. */
  readonly triangles?: number;
  /** Approximate file size in bytes; used only when `triangles` is not given. */
  readonly targetBytes?: number;
  /** PRNG seed for the scanner noise. Default 1. */
  readonly seed?: number;
  /** Binary STL header text (≤ 80 bytes). Real exporters often start it with "solid". */
  readonly stlHeader?: string;
  /** PLY and OBJ: write quads (and one triangle when the count is odd) instead of triangles. */
  readonly quads?: boolean;
  /** OBJ face corners as `v`, `v//vn` (with normals) or negative relative indices. */
  readonly objIndices?: 'plain' | 'normals' | 'negative';
  /** Size of the yielded Buffers. Default 1 MiB. */
  readonly chunkBytes?: number;
}

/** The extension a lab would give the file, so broken kinds are checked as what they pretend to be. */
export function claimedExtension(kind: MeshKind): 'stl' | 'ply' | 'obj' {
  if (kind.startsWith('ply')) return 'ply';
  if (kind.startsWith('obj')) return 'obj';
  return 'stl';
}

export interface MeshPlan {
  readonly triangles: number;
  /** Vertex count as the format reports it: 3 per triangle for STL, the grid's for PLY and OBJ. */
  readonly vertices: number;
  readonly rows: number;
  readonly cols: number;
}

/** What inspectFile should report for a valid kind generated with the same options. */
export function meshPlan(kind: ValidMeshKind, opts: MeshOptions = {}): MeshPlan {
  const triangles = opts.triangles ?? trianglesForTarget(kind, opts);
  if (!Number.isSafeInteger(triangles) || triangles < 1)
    throw new RangeError('triangles must be a positive integer');
  const cols = Math.min(256, Math.max(3, Math.round(Math.sqrt(triangles / 2 / ARCH_ASPECT))));
  const rows = Math.ceil(triangles / (2 * cols));
  const vertices = kind.startsWith('stl') ? 3 * triangles : (rows + 1) * cols;
  return { triangles, vertices, rows, cols };
}

/** The file as a synchronous iterable of Buffers, computed lazily. */
export function meshChunks(kind: MeshKind, opts: MeshOptions = {}): Iterable<Buffer> {
  const seed = opts.seed ?? 1;
  const out = new Chunker(opts.chunkBytes ?? 1024 * 1024);
  const plan = (base: ValidMeshKind) => meshPlan(base, opts);
  switch (kind) {
    case 'stl-binary':
      return binaryStl(out, plan(kind), seed, opts.stlHeader);
    case 'stl-binary-truncated': {
      const p = plan('stl-binary');
      // Cut inside a record, two thirds of the way through, as an interrupted upload would.
      return cut(binaryStl(out, p, seed, opts.stlHeader), 84 + 50 * Math.floor((p.triangles * 2) / 3) + 17);
    }
    case 'stl-binary-wrong-count': {
      const p = plan('stl-binary');
      return binaryStl(out, p, seed, opts.stlHeader, { declared: Math.max(0, p.triangles - 7) });
    }
    case 'stl-binary-no-triangles':
      return [stlHeader(opts.stlHeader, 0)];
    case 'stl-binary-nan': {
      const p = plan('stl-binary');
      return binaryStl(out, p, seed, opts.stlHeader, { nanAt: Math.floor(p.triangles / 2) });
    }
    case 'stl-ascii':
      return asciiStl(out, plan(kind), seed);
    case 'stl-ascii-no-endsolid':
      return asciiStl(out, plan('stl-ascii'), seed, { omitEndsolid: true });
    case 'stl-ascii-bad-vertex': {
      const p = plan('stl-ascii');
      return asciiStl(out, p, seed, { badVertexAt: Math.floor(p.triangles / 2) });
    }
    case 'ply-ascii':
      return plyAscii(out, plan(kind), seed, opts.quads);
    case 'ply-missing-vertices':
      return plyAscii(out, plan('ply-ascii'), seed, opts.quads, { extraDeclaredVertices: 10 });
    case 'ply-bad-header':
      return plyAscii(out, plan('ply-ascii'), seed, opts.quads, { format: 'binary_middle_endian' });
    case 'ply-face-out-of-range': {
      const p = plan('ply-ascii');
      return plyAscii(out, p, seed, opts.quads, { badFaceAt: Math.floor(p.triangles / 3) });
    }
    case 'ply-binary':
      return plyBinary(out, plan(kind), seed, true, opts.quads);
    case 'ply-binary-be':
      return plyBinary(out, plan(kind), seed, false, opts.quads);
    case 'ply-binary-truncated': {
      const p = plan('ply-binary');
      return cut(plyBinary(out, p, seed, true, opts.quads), Math.floor(approxBinaryPlyBytes(p) * 0.6));
    }
    case 'obj':
      return obj(out, plan(kind), seed, opts.objIndices ?? 'plain', opts.quads);
    case 'obj-face-out-of-range': {
      const p = plan('obj');
      return obj(out, p, seed, opts.objIndices ?? 'plain', opts.quads, {
        badFaceAt: Math.floor(p.triangles / 3),
      });
    }
    case 'obj-no-faces':
      return obj(out, plan('obj'), seed, 'plain', opts.quads, { noFaces: true });
    case 'pdf':
      return [pdf(opts.targetBytes ?? 4096)];
    case 'zip':
      return [
        zip(
          Buffer.concat([...asciiStl(new Chunker(1 << 20), meshPlan('stl-ascii', { triangles: 12 }), seed)]),
        ),
      ];
    case 'empty':
      return [];
  }
}

/** The file as an async stream of chunks, the shape an S3 GetObject body is consumed in. */
export async function* meshStream(kind: MeshKind, opts: MeshOptions = {}): AsyncGenerator<Uint8Array> {
  yield* meshChunks(kind, opts);
}

export function meshReadable(kind: MeshKind, opts: MeshOptions = {}): Readable {
  return Readable.from(meshChunks(kind, opts), { objectMode: false });
}

/** The whole file in memory: for small fixtures only. */
export function meshBytes(kind: MeshKind, opts: MeshOptions = {}): Buffer {
  return Buffer.concat([...meshChunks(kind, opts)]);
}

/** Streams the file to `path`; returns its size and SHA-256, computed on the way. */
export async function writeMeshFile(
  path: string,
  kind: MeshKind,
  opts: MeshOptions = {},
): Promise<{ sizeBytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  const tapped = (function* () {
    for (const chunk of meshChunks(kind, opts)) {
      hash.update(chunk);
      sizeBytes += chunk.length;
      yield chunk;
    }
  })();
  await pipeline(Readable.from(tapped), createWriteStream(path));
  return { sizeBytes, sha256: hash.digest('hex') };
}

/**
 * Re-slices bytes into chunks of the given sizes (a number, or a function of the chunk index),
 * to prove a reader does not care where chunk boundaries fall.
 */
export async function* rechunk(
  bytes: Uint8Array,
  size: number | ((index: number) => number),
): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const n = Math.max(1, Math.floor(typeof size === 'number' ? size : size(i)));
    // Copies, so a reader that kept a view into a previous chunk would see it go stale in tests.
    yield Uint8Array.prototype.slice.call(bytes, offset, offset + n);
    offset += n;
  }
}

/** Deterministic PRNG (mulberry32): small, fast and good enough for scanner noise. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------
// Geometry

/** Arch length over tube circumference: keeps grid cells roughly square. */
const ARCH_ASPECT = 2.4;
const ARCH_HALF_WIDTH = 22;
const ARCH_DEPTH = 38;
const TEETH = 14;

/**
 * Ring `i` of the tube as [x0, y0, z0, x1, …] in millimetres. Each ring has its own PRNG stream,
 * so a vertex's coordinates depend only on (seed, i, j) and neighbouring triangles share them.
 */
function ring(plan: MeshPlan, seed: number, i: number): Float64Array {
  const u = plan.rows === 0 ? 0 : i / plan.rows;
  const phi = (u - 0.5) * 1.1 * Math.PI;
  const cx = ARCH_HALF_WIDTH * Math.sin(phi);
  const cy = ARCH_DEPTH * Math.cos(phi);
  const tx = ARCH_HALF_WIDTH * Math.cos(phi);
  const ty = -ARCH_DEPTH * Math.sin(phi);
  const tl = Math.hypot(tx, ty);
  const nx = -ty / tl;
  const ny = tx / tl;
  const molar = Math.abs(2 * u - 1);
  const tooth = Math.sqrt(Math.abs(Math.sin(TEETH * Math.PI * u)));
  const width = 5 * (1 + 0.35 * molar);
  const random = seededRandom(Math.imul(seed, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b));
  const out = new Float64Array(plan.cols * 3);
  for (let j = 0; j < plan.cols; j++) {
    const v = (2 * Math.PI * j) / plan.cols;
    const c = Math.cos(v);
    const s = Math.sin(v);
    const crown = s > 0 ? tooth * s : 0;
    const w = width * (1 + 0.1 * crown);
    const h = 11.5 * (1 + 0.15 * crown);
    const noise = () => (random() - 0.5) * 0.04;
    out[3 * j] = cx + nx * w * c + noise();
    out[3 * j + 1] = cy + ny * w * c + noise();
    out[3 * j + 2] = 12.5 + h * s + noise();
  }
  return out;
}

/**
 * Corner vertex ids (row * cols + col) of the first `plan.triangles` triangles, row by row;
 * the caller maps them to coordinates (STL) or indices (PLY, OBJ).
 */
function* gridTriangles(plan: MeshPlan): Generator<readonly [number, number, number]> {
  let left = plan.triangles;
  for (let i = 0; i < plan.rows && left > 0; i++) {
    for (let j = 0; j < plan.cols && left > 0; j++) {
      const a = i * plan.cols + j;
      const b = (i + 1) * plan.cols + j;
      const c = (i + 1) * plan.cols + ((j + 1) % plan.cols);
      const d = i * plan.cols + ((j + 1) % plan.cols);
      yield [a, b, c];
      if (--left > 0) {
        yield [a, c, d];
        left--;
      }
    }
  }
}

/** Faces as index lists: triangles, or quads plus one triangle when the count is odd. */
function* gridFaces(plan: MeshPlan, quads = false): Generator<readonly number[]> {
  if (!quads) {
    yield* gridTriangles(plan);
    return;
  }
  let left = plan.triangles;
  for (let i = 0; i < plan.rows && left > 0; i++) {
    for (let j = 0; j < plan.cols && left > 0; j++) {
      const a = i * plan.cols + j;
      const b = (i + 1) * plan.cols + j;
      const c = (i + 1) * plan.cols + ((j + 1) % plan.cols);
      const d = i * plan.cols + ((j + 1) % plan.cols);
      if (left >= 2) {
        yield [a, b, c, d];
        left -= 2;
      } else {
        yield [a, b, c];
        left--;
      }
    }
  }
}

/** All grid vertices, ring by ring. */
function* gridVertices(plan: MeshPlan, seed: number): Generator<Float64Array> {
  for (let i = 0; i <= plan.rows; i++) yield ring(plan, seed, i);
}

// ---------------------------------------------------------------------------------------------
// Writers

/** Collects output into fixed-size Buffers; a fresh one after each yield, since consumers keep them. */
class Chunker {
  private buffer: Buffer;
  private length = 0;
  private text: string[] = [];
  private textLength = 0;

  constructor(readonly size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  /** Room for `bytes` more binary bytes; returns a full chunk to yield first, if any. */
  reserve(bytes: number): Buffer | undefined {
    if (this.length + bytes <= this.size) return undefined;
    const full = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(Math.max(this.size, bytes));
    this.length = 0;
    return full;
  }

  /** Binary view for the next `bytes` bytes (after reserve()). */
  take(bytes: number): { buffer: Buffer; at: number } {
    const at = this.length;
    this.length += bytes;
    return { buffer: this.buffer, at };
  }

  /** Appends text; returns a full chunk to yield, if one is ready. */
  write(text: string): Buffer | undefined {
    this.text.push(text);
    this.textLength += text.length;
    if (this.textLength < this.size) return undefined;
    return this.flushText();
  }

  flush(): Buffer | undefined {
    if (this.textLength > 0) return this.flushText();
    if (this.length === 0) return undefined;
    const rest = this.buffer.subarray(0, this.length);
    this.length = 0;
    return rest;
  }

  private flushText(): Buffer {
    const out = Buffer.from(this.text.join(''), 'latin1');
    this.text = [];
    this.textLength = 0;
    return out;
  }
}

function stlHeader(text = 'Caseline synthetic dental arch, binary STL', declared: number): Buffer {
  const header = Buffer.alloc(84, 0x20);
  header.write(text.slice(0, 80), 0, 'latin1');
  header.writeUInt32LE(declared, 80);
  return header;
}

function* binaryStl(
  out: Chunker,
  plan: MeshPlan,
  seed: number,
  header: string | undefined,
  fault: { declared?: number; nanAt?: number } = {},
): Generator<Buffer> {
  yield stlHeader(header, fault.declared ?? plan.triangles);
  let previous = -1;
  let rings: [Float64Array, Float64Array] | undefined;
  let index = 0;
  for (const corners of gridTriangles(plan)) {
    const row = Math.floor(corners[0] / plan.cols);
    if (row !== previous || rings === undefined) {
      rings = [ring(plan, seed, row), ring(plan, seed, row + 1)];
      previous = row;
    }
    const full = out.reserve(50);
    if (full) yield full;
    const { buffer, at } = out.take(50);
    const p = corners.map((id) => point(rings as [Float64Array, Float64Array], plan, row, id));
    const n = normal(p[0] as number[], p[1] as number[], p[2] as number[]);
    buffer.writeFloatLE(n[0], at);
    buffer.writeFloatLE(n[1], at + 4);
    buffer.writeFloatLE(n[2], at + 8);
    for (let k = 0; k < 3; k++) {
      const q = p[k] as number[];
      const bad = index === fault.nanAt && k === 1;
      buffer.writeFloatLE(bad ? Number.NaN : (q[0] as number), at + 12 + 12 * k);
      buffer.writeFloatLE(q[1] as number, at + 16 + 12 * k);
      buffer.writeFloatLE(q[2] as number, at + 20 + 12 * k);
    }
    buffer.writeUInt16LE(0, at + 48);
    index++;
  }
  const rest = out.flush();
  if (rest) yield rest;
}

function point(rings: [Float64Array, Float64Array], plan: MeshPlan, row: number, id: number): number[] {
  const r = Math.floor(id / plan.cols) === row ? rings[0] : rings[1];
  const j = id % plan.cols;
  return [r[3 * j] as number, r[3 * j + 1] as number, r[3 * j + 2] as number];
}

function normal(a: number[], b: number[], c: number[]): [number, number, number] {
  const [ax, ay, az] = a as [number, number, number];
  const ux = (b[0] as number) - ax;
  const uy = (b[1] as number) - ay;
  const uz = (b[2] as number) - az;
  const vx = (c[0] as number) - ax;
  const vy = (c[1] as number) - ay;
  const vz = (c[2] as number) - az;
  const nx = uy * vz - uz * vy;
  const ny = uz * vx - ux * vz;
  const nz = ux * vy - uy * vx;
  const length = Math.hypot(nx, ny, nz) || 1;
  return [nx / length, ny / length, nz / length];
}

const mm = (v: number) => v.toFixed(4);

function* asciiStl(
  out: Chunker,
  plan: MeshPlan,
  seed: number,
  fault: { omitEndsolid?: boolean; badVertexAt?: number } = {},
): Generator<Buffer> {
  const name = 'caseline_synthetic_arch';
  let chunk = out.write(`solid ${name}\n`);
  if (chunk) yield chunk;
  let previous = -1;
  let rings: [Float64Array, Float64Array] | undefined;
  let index = 0;
  for (const corners of gridTriangles(plan)) {
    const row = Math.floor(corners[0] / plan.cols);
    if (row !== previous || rings === undefined) {
      rings = [ring(plan, seed, row), ring(plan, seed, row + 1)];
      previous = row;
    }
    const p = corners.map((id) => point(rings as [Float64Array, Float64Array], plan, row, id)) as [
      number[],
      number[],
      number[],
    ];
    const n = normal(...p);
    const vertex = (q: number[], k: number) =>
      index === fault.badVertexAt && k === 1
        ? `      vertex ${mm(q[0] as number)} ${mm(q[1] as number)}\n`
        : `      vertex ${mm(q[0] as number)} ${mm(q[1] as number)} ${mm(q[2] as number)}\n`;
    chunk = out.write(
      `  facet normal ${n.map((c) => c.toExponential(6)).join(' ')}\n    outer loop\n${p.map(vertex).join('')}    endloop\n  endfacet\n`,
    );
    if (chunk) yield chunk;
    index++;
  }
  if (!fault.omitEndsolid) {
    chunk = out.write(`endsolid ${name}\n`);
    if (chunk) yield chunk;
  }
  const rest = out.flush();
  if (rest) yield rest;
}

function plyHeader(format: string, vertices: number, faces: number): string {
  return [
    'ply',
    `format ${format} 1.0`,
    'comment Caseline synthetic dental arch',
    `element vertex ${vertices}`,
    'property float x',
    'property float y',
    'property float z',
    `element face ${faces}`,
    'property list uchar int vertex_indices',
    'end_header',
    '',
  ].join('\n');
}

function faceCount(plan: MeshPlan, quads = false): number {
  return quads ? Math.ceil(plan.triangles / 2) : plan.triangles;
}

function* plyAscii(
  out: Chunker,
  plan: MeshPlan,
  seed: number,
  quads: boolean | undefined,
  fault: { extraDeclaredVertices?: number; format?: string; badFaceAt?: number } = {},
): Generator<Buffer> {
  const vertices = plan.vertices + (fault.extraDeclaredVertices ?? 0);
  const header = out.write(plyHeader(fault.format ?? 'ascii', vertices, faceCount(plan, quads)));
  if (header) yield header;
  for (const r of gridVertices(plan, seed)) {
    for (let j = 0; j < plan.cols; j++) {
      const chunk = out.write(
        `${mm(r[3 * j] as number)} ${mm(r[3 * j + 1] as number)} ${mm(r[3 * j + 2] as number)}\n`,
      );
      if (chunk) yield chunk;
    }
  }
  let index = 0;
  for (const face of gridFaces(plan, quads)) {
    // The second corner of the faulty face points just past the last vertex.
    const ids = index === fault.badFaceAt ? face.map((id, k) => (k === 1 ? plan.vertices + 5 : id)) : face;
    const chunk = out.write(`${ids.length} ${ids.join(' ')}\n`);
    if (chunk) yield chunk;
    index++;
  }
  const rest = out.flush();
  if (rest) yield rest;
}

function approxBinaryPlyBytes(plan: MeshPlan): number {
  return 200 + plan.vertices * 12 + plan.triangles * 13;
}

function* plyBinary(
  out: Chunker,
  plan: MeshPlan,
  seed: number,
  littleEndian: boolean,
  quads?: boolean,
): Generator<Buffer> {
  const format = littleEndian ? 'binary_little_endian' : 'binary_big_endian';
  yield Buffer.from(plyHeader(format, plan.vertices, faceCount(plan, quads)), 'latin1');
  for (const r of gridVertices(plan, seed)) {
    for (let j = 0; j < plan.cols; j++) {
      const full = out.reserve(12);
      if (full) yield full;
      const { buffer, at } = out.take(12);
      for (let k = 0; k < 3; k++) {
        const v = r[3 * j + k] as number;
        if (littleEndian) buffer.writeFloatLE(v, at + 4 * k);
        else buffer.writeFloatBE(v, at + 4 * k);
      }
    }
  }
  for (const face of gridFaces(plan, quads)) {
    const bytes = 1 + 4 * face.length;
    const full = out.reserve(bytes);
    if (full) yield full;
    const { buffer, at } = out.take(bytes);
    buffer.writeUInt8(face.length, at);
    face.forEach((id, k) => {
      if (littleEndian) buffer.writeInt32LE(id, at + 1 + 4 * k);
      else buffer.writeInt32BE(id, at + 1 + 4 * k);
    });
  }
  const rest = out.flush();
  if (rest) yield rest;
}

function* obj(
  out: Chunker,
  plan: MeshPlan,
  seed: number,
  style: 'plain' | 'normals' | 'negative',
  quads: boolean | undefined,
  fault: { badFaceAt?: number; noFaces?: boolean } = {},
): Generator<Buffer> {
  const preamble = out.write('# Caseline synthetic dental arch\nmtllib arch.mtl\no arch\n');
  if (preamble) yield preamble;
  for (const r of gridVertices(plan, seed)) {
    for (let j = 0; j < plan.cols; j++) {
      const chunk = out.write(
        `v ${mm(r[3 * j] as number)} ${mm(r[3 * j + 1] as number)} ${mm(r[3 * j + 2] as number)}\n`,
      );
      if (chunk) yield chunk;
    }
  }
  if (style === 'normals') {
    // One placeholder normal per vertex, so `v//vn` can reuse the vertex index.
    for (let i = 0; i < plan.vertices; i++) {
      const chunk = out.write('vn 0 0 1\n');
      if (chunk) yield chunk;
    }
  }
  if (!fault.noFaces) {
    const group = out.write('g arch\nusemtl gingiva\ns 1\n');
    if (group) yield group;
    let index = 0;
    for (const face of gridFaces(plan, quads)) {
      const corners = face.map((id, k) => {
        // The second corner of the faulty face points two past the last vertex defined.
        const oneBased = index === fault.badFaceAt && k === 1 ? plan.vertices + 3 : id + 1;
        if (style === 'negative')
          return String(index === fault.badFaceAt && k === 1 ? -oneBased : oneBased - plan.vertices - 1);
        if (style === 'normals') return `${oneBased}//${Math.min(oneBased, plan.vertices)}`;
        return String(oneBased);
      });
      const chunk = out.write(`f ${corners.join(' ')}\n`);
      if (chunk) yield chunk;
      index++;
    }
  }
  const rest = out.flush();
  if (rest) yield rest;
}

/** Passes through the first `bytes` bytes and stops, like an upload interrupted mid-file. */
function* cut(chunks: Iterable<Buffer>, bytes: number): Generator<Buffer> {
  let left = bytes;
  for (const chunk of chunks) {
    if (left <= 0) return;
    yield chunk.length <= left ? chunk : chunk.subarray(0, left);
    left -= chunk.length;
  }
}

function pdf(targetBytes: number): Buffer {
  const body = [
    '%PDF-1.7',
    '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj',
    '2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj',
    '% Caseline synthetic prescription form',
  ].join('\n');
  const padding = Math.max(0, targetBytes - body.length - 30);
  return Buffer.from(`${body}\n%${'.'.repeat(padding)}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}

/** A real single-entry ZIP (stored, no compression): what a lab's "send as archive" produces. */
function zip(content: Buffer, name = 'upper_jaw.stl'): Buffer {
  const fileName = Buffer.from(name, 'latin1');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(content.length, 18);
  local.writeUInt32LE(content.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(content.length, 20);
  central.writeUInt32LE(content.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  const centralOffset = local.length + fileName.length + content.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, content, central, fileName, end]);
}

// ---------------------------------------------------------------------------------------------
// Sizing

const sampleRatios = new Map<string, number>();
const SAMPLE_TRIANGLES = 20_000;

/**
 * Triangles for an approximate file size. Binary STL is exact arithmetic. The others are
 * calibrated once per layout on a 20,000-triangle sample, then corrected for the longer vertex
 * indices that text face lines carry in a big mesh (7 digits instead of 4 or 5): without that a
 * "200 MB" OBJ came out at 270 MB.
 */
function trianglesForTarget(kind: ValidMeshKind, opts: MeshOptions): number {
  const target = opts.targetBytes;
  if (target === undefined) return 2000;
  if (kind === 'stl-binary') return Math.max(1, Math.round((target - 84) / 50));
  const key = `${kind}:${opts.quads === true}:${opts.objIndices ?? 'plain'}`;
  let ratio = sampleRatios.get(key);
  if (ratio === undefined) {
    let bytes = 0;
    const sample = { ...opts, triangles: SAMPLE_TRIANGLES, targetBytes: undefined };
    for (const chunk of meshChunks(kind, sample)) bytes += chunk.length;
    ratio = bytes / SAMPLE_TRIANGLES;
    sampleRatios.set(key, ratio);
  }
  const textIndices = kind === 'ply-ascii' || kind === 'obj';
  const indicesPerTriangle =
    (textIndices ? (opts.quads ? 2 : 3) : 0) * (kind === 'obj' && opts.objIndices === 'normals' ? 2 : 1);
  let triangles = target / ratio;
  for (let round = 0; round < 4; round++) {
    const extraDigits = Math.max(0, Math.log10(triangles / SAMPLE_TRIANGLES));
    triangles = target / (ratio + indicesPerTriangle * extraDigits);
  }
  return Math.max(1, Math.round(triangles));
}
