import { Bounds } from './bounds';
import { fmt, LineReader, NOT_A_NUMBER, NOT_FINITE, readNumber, tokenize } from './text';
import { type MeshChecker, REEXPORT, type Verdict } from './types';

// A face line with thousands of corners fits; binary data read as text does not grow the buffer.
const MAX_LINE_BYTES = 64 * 1024;

/**
 * Statements accepted without inspection: grouping, materials, smoothing, and the free-form
 * geometry statements of the OBJ spec, which intraoral scanners never write but which are
 * not errors.
 */
const IGNORED: ReadonlySet<string> = new Set([
  'o',
  'g',
  's',
  'mg',
  'usemtl',
  'mtllib',
  'usemap',
  'maplib',
  'lod',
  'bevel',
  'c_interp',
  'd_interp',
  'shadow_obj',
  'trace_obj',
  'vp',
  'cstype',
  'deg',
  'bmat',
  'step',
  'curv',
  'curv2',
  'surf',
  'parm',
  'trim',
  'hole',
  'scrv',
  'sp',
  'end',
  'con',
  'ctech',
  'stech',
]);

/**
 * Wavefront OBJ, line by line. Indices are 1-based, or negative to count back from the last
 * element defined so far; like the readers CAD tools use, an index may only refer to an element
 * defined on an earlier line, which is what lets the range check run in one pass with three
 * counters instead of remembering the file. Vertex colours written as `v x y z r g b` (common
 * in scanner exports) are accepted alongside the spec's `v x y z [w]`. Line continuations
 * (a trailing backslash) are not supported; no mesh exporter writes them.
 */
export class ObjChecker implements MeshChecker {
  private problem: string | undefined;
  private vertices = 0;
  private textureCoords = 0;
  private normals = 0;
  private faces = 0;
  private triangles = 0;
  private readonly bounds = new Bounds();
  private readonly reader = new LineReader(MAX_LINE_BYTES);

  push(chunk: Uint8Array): void {
    if (this.problem !== undefined) return;
    this.reader.push(chunk, this.onLine);
    if (this.reader.overlong && this.problem === undefined) {
      this.problem = `Line ${fmt(this.reader.lineNumber)} of the OBJ file is longer than ${fmt(MAX_LINE_BYTES)} characters: the file is corrupt or not an OBJ file; ${REEXPORT}`;
    }
  }

  finish(): Verdict {
    if (this.problem === undefined) this.reader.end(this.onLine);
    if (this.problem !== undefined) return { problem: this.problem };
    if (this.vertices === 0) {
      return { problem: `The OBJ file defines no vertices ('v' lines), so it holds no mesh: ${REEXPORT}` };
    }
    if (this.faces === 0) {
      return {
        problem: `The OBJ file defines ${fmt(this.vertices)} vertices but no faces ('f' lines): it is a point cloud, not a surface mesh; export the scan as a mesh with triangles and re-upload it.`,
      };
    }
    return {
      mesh: { format: 'obj', triangles: this.triangles, vertices: this.vertices, bbox: this.bounds.toBox() },
    };
  }

  private readonly onLine = (line: string, n: number): boolean => {
    const tokens = tokenize(line);
    const keyword = tokens[0];
    if (keyword === undefined || keyword.startsWith('#')) return true;
    switch (keyword) {
      case 'v':
        return this.vertex(tokens, n);
      case 'vt':
        if (!this.numbers(tokens, n, 1, 3, "'vt u [v [w]]'")) return false;
        this.textureCoords++;
        return true;
      case 'vn':
        if (!this.numbers(tokens, n, 3, 3, "'vn x y z'")) return false;
        this.normals++;
        return true;
      case 'f':
        return this.face(tokens, n);
      case 'l':
      case 'p':
        return this.references(tokens, n, keyword === 'l' ? 2 : 1, keyword === 'l' ? 'line' : 'point');
      default:
        if (IGNORED.has(keyword)) return true;
        return this.fail(
          `Line ${fmt(n)} of the OBJ file is not an OBJ statement (OBJ lines start with v, vt, vn, f, o, g, s, usemtl, mtllib or #)`,
        );
    }
  };

  private vertex(tokens: string[], n: number): boolean {
    const count = tokens.length - 1;
    if (count < 3 || count > 7) {
      return this.fail(
        `Line ${fmt(n)} of the OBJ file should be 'v x y z [w]' but holds ${fmt(count)} values`,
      );
    }
    this.vertices++;
    const x = readNumber(tokens[1] as string);
    const y = readNumber(tokens[2] as string);
    const z = readNumber(tokens[3] as string);
    if (typeof x === 'number' && typeof y === 'number' && typeof z === 'number') {
      // The optional w and vertex colours are only checked to be numbers.
      if (count > 3 && !this.numbers(tokens, n, 3, 7, "'v x y z [w]'")) return false;
      if (this.bounds.add(x, y, z)) return true;
    }
    if (x === NOT_A_NUMBER || y === NOT_A_NUMBER || z === NOT_A_NUMBER) {
      return this.fail(
        `Line ${fmt(n)} of the OBJ file should be 'v x y z [w]' but holds a value that is not a number`,
      );
    }
    return this.fail(
      `Line ${fmt(n)} of the OBJ file (vertex ${fmt(this.vertices)}) has a coordinate that is not a finite number (NaN or infinity): the mesh is corrupt`,
    );
  }

  private numbers(tokens: string[], n: number, min: number, max: number, shape: string): boolean {
    const count = tokens.length - 1;
    if (count < min || count > max) {
      return this.fail(`Line ${fmt(n)} of the OBJ file should be ${shape} but holds ${fmt(count)} values`);
    }
    // Non-finite values are let through here so that vertex() can name them precisely.
    for (let i = 1; i < tokens.length; i++) {
      const value = readNumber(tokens[i] as string);
      if (typeof value !== 'number' && value !== NOT_FINITE) {
        return this.fail(
          `Line ${fmt(n)} of the OBJ file should be ${shape} but holds a value that is not a number`,
        );
      }
    }
    return true;
  }

  private face(tokens: string[], n: number): boolean {
    const corners = tokens.length - 1;
    if (corners < 3) {
      return this.fail(
        `Line ${fmt(n)} of the OBJ file is a face with ${fmt(corners)} corners; a face needs at least 3`,
      );
    }
    if (!this.references(tokens, n, 3, 'face')) return false;
    this.faces++;
    this.triangles += corners - 2;
    return true;
  }

  /** Checks `v`, `v/vt`, `v/vt/vn` and `v//vn` references against what is defined so far. */
  private references(tokens: string[], n: number, min: number, what: string): boolean {
    if (tokens.length - 1 < min) {
      return this.fail(`Line ${fmt(n)} of the OBJ file is a ${what} with fewer than ${min} vertices`);
    }
    for (let t = 1; t < tokens.length; t++) {
      if (!this.corner(tokens[t] as string, n, what)) return false;
    }
    return true;
  }

  /**
   * One corner, scanned by hand: faces are most of an OBJ file, and split('/') plus a regular
   * expression per corner made this the slowest step of the whole check.
   */
  private corner(token: string, n: number, what: string): boolean {
    const length = token.length;
    let i = 0;
    for (let field = 0; field < 3; field++) {
      const start = i;
      let sign = 1;
      const first = token.charCodeAt(i);
      if (first === 45 || first === 43) {
        if (first === 45) sign = -1;
        i++;
      }
      let value = 0;
      let digits = 0;
      for (; i < length; i++, digits++) {
        const digit = token.charCodeAt(i) - 48;
        if (digit < 0 || digit > 9) break;
        value = value * 10 + digit;
      }
      const atEnd = i === length;
      if (!atEnd && token.charCodeAt(i) !== 47) return this.badReference(n, what);
      if (digits === 0) {
        // Only the texture and normal slots may be empty, as in `v//vn`.
        if (i !== start || field === 0) return this.badReference(n, what);
      } else if (!this.index(sign * value, field, n, what)) {
        return false;
      }
      if (atEnd) return true;
      i++;
    }
    return this.badReference(n, what);
  }

  private index(index: number, field: number, n: number, what: string): boolean {
    const defined = field === 0 ? this.vertices : field === 1 ? this.textureCoords : this.normals;
    const resolved = index < 0 ? defined + index + 1 : index;
    if (index !== 0 && resolved >= 1 && resolved <= defined) return true;
    const kind = field === 0 ? 'vertex' : field === 1 ? 'texture coordinate' : 'normal';
    const plural = field === 0 ? 'vertices' : `${kind}s`;
    return this.fail(
      `Line ${fmt(n)} of the OBJ file is a ${what} that refers to ${kind} ${fmt(index)}, which is out of range: only ${fmt(defined)} ${plural} are defined before that line (OBJ counts from 1, or back from -1)`,
    );
  }

  private badReference(n: number, what: string): false {
    return this.fail(
      `Line ${fmt(n)} of the OBJ file is a ${what} whose corners are not written as whole-number indices (v, v/vt, v/vt/vn or v//vn)`,
    );
  }

  private fail(sentence: string): false {
    this.problem = `${sentence}: ${REEXPORT}`;
    return false;
  }
}
