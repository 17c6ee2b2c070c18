import { Bounds } from './bounds';
import { describeLine, fmt, LineReader, NOT_A_NUMBER, NOT_FINITE, readNumber, tokenize } from './text';
import { REEXPORT, type Verdict } from './types';

// Exporters write a few dozen characters per line; the limit only exists so that binary data
// mistaken for text cannot grow the line buffer.
const MAX_LINE_BYTES = 4096;

const KEYWORDS: ReadonlySet<string> = new Set([
  'solid',
  'facet',
  'outer',
  'vertex',
  'endloop',
  'endfacet',
  'endsolid',
]);

type Expect = 'solid' | 'facet' | 'outer' | 'vertex' | 'endloop' | 'endfacet' | 'after-endsolid';

/**
 * ASCII STL as a line-driven state machine:
 * `solid [name]` then per triangle `facet normal nx ny nz` / `outer loop` / `vertex x y z` ×3 /
 * `endloop` / `endfacet`, then `endsolid [name]`. Several solids in one file are accepted (some
 * exporters write one per shell). Keywords are matched case-insensitively because a few older
 * tools write them in capitals. As for binary STL, corners are not deduplicated: 3 per facet.
 */
export class AsciiStlChecker {
  problem: string | undefined;
  facets = 0;
  private expect: Expect = 'solid';
  private corner = 0;
  private readonly reader = new LineReader(MAX_LINE_BYTES);
  private readonly bounds = new Bounds();

  push(chunk: Uint8Array): void {
    if (this.problem !== undefined) return;
    this.reader.push(chunk, this.onLine);
    if (this.reader.overlong && this.problem === undefined) {
      this.problem = `Line ${fmt(this.reader.lineNumber)} of the STL file is longer than ${fmt(MAX_LINE_BYTES)} characters, which is not ASCII STL: ${REEXPORT}`;
    }
  }

  finish(): Verdict {
    if (this.problem === undefined) this.reader.end(this.onLine);
    if (this.problem !== undefined) return { problem: this.problem };
    const lastLine = fmt(this.reader.lineNumber);
    switch (this.expect) {
      case 'solid':
        return { problem: `The STL file holds no 'solid' line: it is empty or not an STL file; ${REEXPORT}` };
      case 'facet':
        return {
          problem: `The STL file ends at line ${lastLine} without the closing 'endsolid' line: the upload looks truncated; ${REEXPORT}`,
        };
      case 'after-endsolid':
        if (this.facets === 0) {
          return { problem: `The STL file holds no triangles (no 'facet' lines): ${REEXPORT}` };
        }
        return {
          mesh: {
            format: 'stl-ascii',
            triangles: this.facets,
            vertices: this.facets * 3,
            bbox: this.bounds.toBox(),
          },
        };
      default:
        return {
          problem: `The STL file ends at line ${lastLine} in the middle of triangle ${fmt(this.facets + 1)} (expected ${this.expected()}): the upload looks truncated; ${REEXPORT}`,
        };
    }
  }

  private readonly onLine = (line: string, n: number): boolean => {
    const tokens = tokenize(line);
    if (tokens.length === 0) return true;
    const keyword = (tokens[0] as string).toLowerCase();
    switch (this.expect) {
      case 'solid':
        if (keyword !== 'solid') return this.fail(n, tokens);
        this.expect = 'facet';
        return true;
      case 'facet':
        if (keyword === 'endsolid') {
          this.expect = 'after-endsolid';
          return true;
        }
        if (keyword !== 'facet' || tokens[1]?.toLowerCase() !== 'normal') return this.fail(n, tokens);
        // Normals are read for well-formedness only; NaN normals are tolerated (see binary STL).
        if (tokens.length !== 5 || tokens.slice(2).some((t) => readNumber(t) === NOT_A_NUMBER)) {
          return this.failNumbers(n, tokens, 2, "'facet normal nx ny nz'");
        }
        this.expect = 'outer';
        return true;
      case 'outer':
        if (keyword !== 'outer' || tokens[1]?.toLowerCase() !== 'loop' || tokens.length !== 2) {
          return this.fail(n, tokens);
        }
        this.expect = 'vertex';
        this.corner = 0;
        return true;
      case 'vertex':
        return this.vertex(n, keyword, tokens);
      case 'endloop':
        if (keyword !== 'endloop' || tokens.length !== 1) return this.fail(n, tokens);
        this.expect = 'endfacet';
        return true;
      case 'endfacet':
        if (keyword !== 'endfacet' || tokens.length !== 1) return this.fail(n, tokens);
        this.facets++;
        this.expect = 'facet';
        return true;
      case 'after-endsolid':
        if (keyword !== 'solid') {
          this.problem = `Line ${fmt(n)} of the STL file comes after 'endsolid' but does not start a new 'solid' (it holds ${describeLine(tokens, KEYWORDS)}): ${REEXPORT}`;
          return false;
        }
        this.expect = 'facet';
        return true;
    }
  };

  private vertex(n: number, keyword: string, tokens: string[]): boolean {
    if (keyword !== 'vertex') return this.fail(n, tokens);
    if (tokens.length !== 4) return this.failNumbers(n, tokens, 1, this.expected());
    const x = readNumber(tokens[1] as string);
    const y = readNumber(tokens[2] as string);
    const z = readNumber(tokens[3] as string);
    if (typeof x !== 'number' || typeof y !== 'number' || typeof z !== 'number') {
      if (x === NOT_FINITE || y === NOT_FINITE || z === NOT_FINITE) {
        this.problem = `Line ${fmt(n)} of the STL file has a vertex coordinate that is not a finite number (NaN or infinity): the mesh is corrupt; ${REEXPORT}`;
        return false;
      }
      return this.failNumbers(n, tokens, 1, this.expected());
    }
    this.bounds.add(x, y, z);
    this.corner++;
    if (this.corner === 3) this.expect = 'endloop';
    return true;
  }

  private expected(): string {
    switch (this.expect) {
      case 'solid':
        return "'solid'";
      case 'facet':
        return "'facet normal nx ny nz' or 'endsolid'";
      case 'outer':
        return "'outer loop'";
      case 'vertex':
        return `'vertex x y z' (corner ${this.corner + 1} of 3)`;
      case 'endloop':
        return "'endloop'";
      case 'endfacet':
        return "'endfacet'";
      case 'after-endsolid':
        return "'solid' or the end of the file";
    }
  }

  private fail(n: number, tokens: string[]): false {
    this.problem = `Line ${fmt(n)} of the STL file should be ${this.expected()} but holds ${describeLine(tokens, KEYWORDS)}: ${REEXPORT}`;
    return false;
  }

  private failNumbers(n: number, tokens: string[], firstNumber: number, shape: string): false {
    const values = tokens.slice(firstNumber);
    const numeric = values.filter((t) => typeof readNumber(t) === 'number').length;
    const what =
      numeric < values.length
        ? 'values that are not numbers'
        : values.length === 1
          ? 'only 1 number'
          : `${values.length} numbers`;
    this.problem = `Line ${fmt(n)} of the STL file should be ${shape} with three numbers but holds ${what}: ${REEXPORT}`;
    return false;
  }
}
