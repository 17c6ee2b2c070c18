import { fmt, tokenize } from './text';
import { REEXPORT } from './types';

export type ScalarType = 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export const SCALAR_BYTES: Record<ScalarType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

// Both the original names and the sized aliases that newer writers (e.g. Open3D, VTK) emit.
const TYPE_NAMES: Record<string, ScalarType> = {
  char: 'int8',
  int8: 'int8',
  uchar: 'uint8',
  uint8: 'uint8',
  short: 'int16',
  int16: 'int16',
  ushort: 'uint16',
  uint16: 'uint16',
  int: 'int32',
  int32: 'int32',
  uint: 'uint32',
  uint32: 'uint32',
  float: 'float32',
  float32: 'float32',
  double: 'float64',
  float64: 'float64',
};

export type PlyEncoding = 'ascii' | 'binary_little_endian' | 'binary_big_endian';

export interface PlyProperty {
  readonly name: string;
  readonly type: ScalarType;
  /** Set for `property list <countType> <type> <name>`. */
  readonly countType?: ScalarType;
}

export interface PlyElement {
  readonly name: string;
  readonly count: number;
  readonly properties: PlyProperty[];
}

export interface PlyHeader {
  readonly encoding: PlyEncoding;
  readonly elements: readonly PlyElement[];
  readonly vertexElement: number;
  /** Indices of x, y, z among the vertex element's properties. */
  readonly xyz: readonly [number, number, number];
  readonly faceElement: number;
  /** Index of `vertex_indices` (or `vertex_index`) among the face element's properties. */
  readonly faceList: number;
}

/** Bounds the header's size: real headers are a dozen lines; comments are the only variable part. */
const MAX_HEADER_LINES = 2000;

const FORMAT_HINT = "'format ascii 1.0', 'format binary_little_endian 1.0' or 'format binary_big_endian 1.0'";

function problem(n: number, what: string): string {
  return `Line ${fmt(n)} of the PLY header ${what}: ${REEXPORT}`;
}

/**
 * Consumes PLY header lines one at a time. `line` returns false once the header is complete or
 * broken; then exactly one of `header` and `problem` is set.
 */
export class PlyHeaderParser {
  header: PlyHeader | undefined;
  problem: string | undefined;
  private encoding: PlyEncoding | undefined;
  private readonly elements: PlyElement[] = [];

  line(text: string, n: number): boolean {
    if (n > MAX_HEADER_LINES) {
      this.problem = `The PLY header has no 'end_header' line within its first ${fmt(MAX_HEADER_LINES)} lines: ${REEXPORT}`;
      return false;
    }
    if (n === 1) {
      if (text.trim() !== 'ply') {
        this.problem = `The file does not start with the line 'ply', so it is not a PLY file: ${REEXPORT}`;
        return false;
      }
      return true;
    }
    const tokens = tokenize(text);
    const keyword = tokens[0];
    if (n === 2 && keyword !== 'format') {
      this.problem = problem(n, `should declare the encoding (${FORMAT_HINT})`);
      return false;
    }
    switch (keyword) {
      case undefined:
      case 'comment':
      case 'obj_info':
        return true;
      case 'format':
        return this.format(tokens, n);
      case 'element':
        return this.element(tokens, n);
      case 'property':
        return this.property(tokens, n);
      case 'end_header':
        return this.end(n);
      default:
        this.problem = problem(
          n,
          'is not a PLY header line (expected element, property, comment or end_header)',
        );
        return false;
    }
  }

  /** The stream ended before `end_header`. */
  unfinished(): string {
    return `The PLY header never ends (no 'end_header' line): the file is truncated or not a PLY file; ${REEXPORT}`;
  }

  private format(tokens: string[], n: number): boolean {
    const encoding = tokens[1];
    if (
      n !== 2 ||
      tokens.length !== 3 ||
      !/^1(\.0)?$/.test(tokens[2] as string) ||
      (encoding !== 'ascii' && encoding !== 'binary_little_endian' && encoding !== 'binary_big_endian')
    ) {
      this.problem = problem(n, `should be one of ${FORMAT_HINT}`);
      return false;
    }
    this.encoding = encoding;
    return true;
  }

  private element(tokens: string[], n: number): boolean {
    const count = Number(tokens[2]);
    if (tokens.length !== 3 || !Number.isSafeInteger(count) || count < 0) {
      this.problem = problem(n, "should be 'element <name> <count>' with a whole number count");
      return false;
    }
    const name = tokens[1] as string;
    if (this.elements.some((e) => e.name === name)) {
      this.problem = problem(n, `declares the element '${safeName(name)}' a second time`);
      return false;
    }
    this.elements.push({ name, count, properties: [] });
    return true;
  }

  private property(tokens: string[], n: number): boolean {
    const element = this.elements.at(-1);
    if (element === undefined) {
      this.problem = problem(n, "declares a property before any 'element' line");
      return false;
    }
    if (tokens[1] === 'list') {
      const countType = TYPE_NAMES[tokens[2] ?? ''];
      const type = TYPE_NAMES[tokens[3] ?? ''];
      if (tokens.length !== 5 || countType === undefined || type === undefined) {
        this.problem = problem(
          n,
          "should be 'property list <count type> <item type> <name>' with known PLY types",
        );
        return false;
      }
      if (countType === 'float32' || countType === 'float64') {
        this.problem = problem(n, 'declares a list whose length is a floating-point type');
        return false;
      }
      element.properties.push({ name: tokens[4] as string, type, countType });
      return true;
    }
    const type = TYPE_NAMES[tokens[1] ?? ''];
    if (tokens.length !== 3 || type === undefined) {
      this.problem = problem(
        n,
        "should be 'property <type> <name>' with a known PLY type (char, uchar, short, ushort, int, uint, float, double)",
      );
      return false;
    }
    element.properties.push({ name: tokens[2] as string, type });
    return true;
  }

  private end(n: number): false {
    if (this.encoding === undefined) {
      this.problem = problem(n, `ends before the encoding is declared (${FORMAT_HINT})`);
      return false;
    }
    const vertexElement = this.elements.findIndex((e) => e.name === 'vertex');
    const faceElement = this.elements.findIndex((e) => e.name === 'face');
    const vertex = this.elements[vertexElement];
    const face = this.elements[faceElement];
    if (vertex === undefined || face === undefined) {
      this.problem = `The PLY header declares no '${vertex === undefined ? 'vertex' : 'face'}' element, so the file holds no surface mesh: export the scan as a mesh (vertices and faces) and re-upload it.`;
      return false;
    }
    const xyz = (['x', 'y', 'z'] as const).map((axis) =>
      vertex.properties.findIndex((p) => p.name === axis && p.countType === undefined),
    );
    if (xyz.some((i) => i < 0)) {
      this.problem = `The PLY header gives the vertices no x, y and z coordinates: ${REEXPORT}`;
      return false;
    }
    const faceList = face.properties.findIndex(
      (p) => (p.name === 'vertex_indices' || p.name === 'vertex_index') && p.countType !== undefined,
    );
    const listType = face.properties[faceList]?.type;
    if (listType === undefined || listType === 'float32' || listType === 'float64') {
      this.problem = `The PLY header gives the faces no integer 'vertex_indices' list: ${REEXPORT}`;
      return false;
    }
    if (vertex.count === 0 || face.count === 0) {
      this.problem = `The PLY header declares ${fmt(vertex.count)} vertices and ${fmt(face.count)} faces: the file holds no surface mesh; ${REEXPORT}`;
      return false;
    }
    this.header = {
      encoding: this.encoding,
      elements: this.elements,
      vertexElement,
      xyz: xyz as [number, number, number],
      faceElement,
      faceList,
    };
    return false;
  }
}

/** Element names are schema, not patient data, but are still capped and filtered before echoing. */
function safeName(name: string): string {
  return name.replace(/[^\w-]/g, '').slice(0, 32);
}
