export type MeshFormat = 'stl-binary' | 'stl-ascii' | 'ply' | 'obj';

export type Vec3 = [number, number, number];

export interface MeshFacts {
  format: MeshFormat;
  triangles: number;
  vertices: number;
  bbox: { min: Vec3; max: Vec3 };
}

export interface FileInspection {
  sizeBytes: number;
  /** Lowercase hex SHA-256 of the exact bytes received. */
  sha256: string;
  mesh?: MeshFacts;
  /**
   * Set when the content is not a valid file of the claimed kind: one or two sentences a lab
   * technician can act on. It never quotes free text from the file (STL solid names, PLY
   * comments and OBJ group names are where exporters put patient names).
   */
  problem?: string;
}

export type ClaimedExtension = 'stl' | 'ply' | 'obj';

export type Verdict = { mesh: MeshFacts; problem?: undefined } | { mesh?: undefined; problem: string };

/**
 * A push-driven format check. `push` is called once per chunk, in order, and must keep only
 * bounded state between calls: the body can be hundreds of MB and is never held whole.
 */
export interface MeshChecker {
  push(chunk: Uint8Array): void;
  finish(totalBytes: number): Verdict;
}

/** Appended to every problem caused by broken content: the fix is almost always a fresh export. */
export const REEXPORT = 'export the scan again from the scanner or CAD software and re-upload it.';
