/**
 * STL, PLY and OBJ bytes to plain typed arrays (positions, normals, index) and bounds, with
 * three.js's own loaders: what the mesh worker (mesh-worker.ts) does off the main thread. The
 * normals a file lacks and the bounds are computed here too, so the main thread only wraps the
 * arrays it is handed (three.js would otherwise walk every vertex on the first frame and frame).
 */
import { type BufferGeometry, LineSegments, Mesh, type Object3D, Points } from 'three';
import { OBJLoader } from 'three/examples/jsm/loaders/OBJLoader.js';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';
import { STLLoader } from 'three/examples/jsm/loaders/STLLoader.js';

export type MeshFormat = 'stl' | 'ply' | 'obj';

export interface ParsedPart {
  /** OBJ files may hold lines (`l`) and points (`p`) besides faces. */
  readonly kind: 'mesh' | 'lines' | 'points';
  readonly position: Float32Array;
  readonly normal?: Float32Array;
  readonly index?: Uint16Array | Uint32Array;
  /** min x, y, z then max x, y, z. */
  readonly box: readonly number[];
  /** centre x, y, z then radius. */
  readonly sphere: readonly number[];
}

const floats = (geometry: BufferGeometry, name: string) => {
  const array = geometry.getAttribute(name)?.array;
  return array instanceof Float32Array ? array : array ? Float32Array.from(array) : undefined;
};

const partOf = (geometry: BufferGeometry, kind: ParsedPart['kind']): ParsedPart => {
  if (kind === 'mesh' && !geometry.hasAttribute('normal')) geometry.computeVertexNormals();
  geometry.computeBoundingBox();
  geometry.computeBoundingSphere();
  const position = floats(geometry, 'position');
  if (!position) throw new TypeError('The file has no vertices.');
  const index = geometry.getIndex()?.array;
  const { min, max } = geometry.boundingBox ?? { min: { x: 0, y: 0, z: 0 }, max: { x: 0, y: 0, z: 0 } };
  const sphere = geometry.boundingSphere ?? { center: { x: 0, y: 0, z: 0 }, radius: 0 };
  const normal = kind === 'mesh' ? floats(geometry, 'normal') : undefined;
  return {
    kind,
    position,
    ...(normal ? { normal } : {}),
    ...(index instanceof Uint16Array || index instanceof Uint32Array ? { index } : {}),
    box: [min.x, min.y, min.z, max.x, max.y, max.z],
    sphere: [sphere.center.x, sphere.center.y, sphere.center.z, sphere.radius],
  };
};

export const parseMesh = (format: MeshFormat, bytes: ArrayBuffer): ParsedPart[] => {
  if (format !== 'obj')
    return [partOf(format === 'stl' ? new STLLoader().parse(bytes) : new PLYLoader().parse(bytes), 'mesh')];
  const parts: ParsedPart[] = [];
  new OBJLoader().parse(new TextDecoder().decode(bytes)).traverse((child: Object3D) => {
    if (child instanceof Mesh) parts.push(partOf(child.geometry, 'mesh'));
    else if (child instanceof Points) parts.push(partOf(child.geometry, 'points'));
    else if (child instanceof LineSegments) parts.push(partOf(child.geometry, 'lines'));
  });
  return parts;
};

/** The buffers to transfer with the parts (each once). */
export const buffersOf = (parts: readonly ParsedPart[]): ArrayBuffer[] => [
  ...new Set(
    parts.flatMap((p) =>
      [p.position, p.normal, p.index].flatMap((a) => (a?.buffer instanceof ArrayBuffer ? [a.buffer] : [])),
    ),
  ),
];

export interface ParseRequest {
  readonly format: MeshFormat;
  readonly bytes: ArrayBuffer;
  /** Hex SHA-256 the bytes must have (downloads); none for a designer's file read from disk. */
  readonly sha256?: string;
}

export class MeshIntegrityError extends Error {
  override readonly name = 'MeshIntegrityError';
}

const hex = (digest: ArrayBuffer) =>
  Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The mesh worker's task: the SHA-256 check (Web Crypto: the bytes are already whole in memory
 * here, and the native digest is the fastest), then the parse; the arrays' buffers to transfer.
 */
export const checkAndParse = async ({ format, bytes, sha256 }: ParseRequest) => {
  if (sha256 !== undefined && hex(await crypto.subtle.digest('SHA-256', bytes)) !== sha256)
    throw new MeshIntegrityError('The download does not match its SHA-256, so it was not used.');
  const parts = parseMesh(format, bytes);
  return { result: parts, transfer: buffersOf(parts) };
};
