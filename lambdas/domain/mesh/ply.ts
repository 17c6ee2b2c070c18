import { PlyBinaryBody } from './ply-binary';
import { type PlyElement, type PlyHeader, PlyHeaderParser } from './ply-header';
import { PlyMesh } from './ply-mesh';
import { fmt, LineReader, NOT_A_NUMBER, NOT_FINITE, readNumber, tokenize } from './text';
import { type MeshChecker, REEXPORT, type Verdict } from './types';

// Long enough for a vertex with every attribute scanners write, or a face with thousands of
// corners; short enough that binary data read as text cannot grow the line buffer.
const MAX_LINE_BYTES = 64 * 1024;

type Stage = 'header' | 'ascii' | 'binary';

/**
 * PLY: a text header (`ply`, `format …`, `element`/`property` lines, `end_header`) then a body
 * in the declared encoding. The header is read with the line reader; at `end_header` a binary
 * body continues in the same chunk at the byte after the newline, so nothing is re-buffered.
 */
export class PlyChecker implements MeshChecker {
  private readonly reader = new LineReader(MAX_LINE_BYTES);
  private readonly headerParser = new PlyHeaderParser();
  private stage: Stage = 'header';
  private problem: string | undefined;
  private mesh: PlyMesh | undefined;
  private binary: PlyBinaryBody | undefined;
  private ascii: PlyAsciiBody | undefined;

  push(chunk: Uint8Array): void {
    if (this.failed()) return;
    if (this.stage === 'binary') {
      this.binary?.push(chunk);
      return;
    }
    const rest = this.reader.push(chunk, this.onLine);
    if (this.reader.overlong && !this.failed()) {
      this.problem = `Line ${fmt(this.reader.lineNumber)} of the PLY file is longer than ${fmt(MAX_LINE_BYTES)} characters: the file is corrupt or not a PLY file; ${REEXPORT}`;
    }
    // onLine may have switched to binary at end_header; the rest of this chunk is body.
    if (rest >= 0) this.binary?.push(chunk.subarray(rest));
  }

  finish(): Verdict {
    if (!this.failed() && this.stage !== 'binary') this.reader.end(this.onLine);
    if (this.problem !== undefined) return { problem: this.problem };
    const mesh = this.mesh;
    if (mesh === undefined) return { problem: this.headerParser.problem ?? this.headerParser.unfinished() };
    if (mesh.problem !== undefined) return { problem: mesh.problem };
    if (this.binary !== undefined) {
      if (!this.binary.complete) return { problem: mesh.shortfall() };
      if (this.binary.surplusBytes > 0)
        return { problem: mesh.surplus(`${fmt(this.binary.surplusBytes)} extra bytes`) };
    }
    if (this.ascii !== undefined && !this.ascii.complete) return { problem: mesh.shortfall() };
    return { mesh: mesh.facts() };
  }

  private failed(): boolean {
    return (
      this.problem !== undefined ||
      this.headerParser.problem !== undefined ||
      this.mesh?.problem !== undefined
    );
  }

  private readonly onLine = (line: string, n: number): boolean => {
    if (this.stage === 'ascii') return (this.ascii as PlyAsciiBody).line(line, n);
    if (this.headerParser.line(line, n)) return true;
    const header = this.headerParser.header;
    if (header === undefined) return false;
    this.mesh = new PlyMesh(header);
    if (header.encoding === 'ascii') {
      this.stage = 'ascii';
      this.ascii = new PlyAsciiBody(header, this.mesh);
      return true;
    }
    this.stage = 'binary';
    this.binary = new PlyBinaryBody(header, this.mesh);
    return false;
  };
}

/**
 * ASCII PLY body: one element instance per line, in header order. Blank lines are tolerated
 * (some writers end the file with one); anything else past the declared counts is a surplus.
 */
class PlyAsciiBody {
  private element = 0;
  private instance = 0;

  constructor(
    private readonly header: PlyHeader,
    private readonly mesh: PlyMesh,
  ) {
    this.skipEmptyElements();
  }

  get complete(): boolean {
    return this.element >= this.header.elements.length;
  }

  line(text: string, n: number): boolean {
    const tokens = tokenize(text);
    if (tokens.length === 0) return true;
    if (this.complete) {
      this.mesh.problem = this.mesh.surplus(`more lines (from line ${fmt(n)})`);
      return false;
    }
    const index = this.element;
    const element = this.header.elements[index] as PlyElement;
    const values = parseInstance(element, tokens);
    if (typeof values === 'string') {
      this.mesh.problem = this.explain(n, element, index, tokens, values);
      return false;
    }
    if (index === this.header.vertexElement) {
      const [xi, yi, zi] = this.header.xyz;
      const x = values.scalars[xi];
      const y = values.scalars[yi];
      const z = values.scalars[zi];
      if (typeof x !== 'number' || typeof y !== 'number' || typeof z !== 'number') {
        this.mesh.verticesRead++;
        this.mesh.problem = `Line ${fmt(n)} of the PLY file (vertex ${fmt(this.mesh.verticesRead)}) has a coordinate that is not a finite number (NaN or infinity): the mesh is corrupt; ${REEXPORT}`;
        return false;
      }
      if (!this.mesh.vertex(x, y, z)) return false;
    } else if (index === this.header.faceElement) {
      const corners = values.lists[this.header.faceList] ?? [];
      if (!this.mesh.faceStart(corners.length)) return false;
      for (const corner of corners) if (!this.mesh.corner(corner)) return false;
    }
    this.instance++;
    if (this.instance === element.count) {
      this.element++;
      this.instance = 0;
      this.skipEmptyElements();
    }
    return true;
  }

  private explain(n: number, element: PlyElement, index: number, tokens: string[], why: string): string {
    const role =
      index === this.header.vertexElement
        ? `vertex ${fmt(this.instance + 1)} of ${fmt(element.count)}`
        : index === this.header.faceElement
          ? `face ${fmt(this.instance + 1)} of ${fmt(element.count)}`
          : `an element declared in the header (${fmt(this.instance + 1)} of ${fmt(element.count)})`;
    // A face where a vertex belongs is what a header with too high a vertex count produces;
    // saying so points at the real fault instead of at one odd-looking line.
    const face = this.header.elements[this.header.faceElement] as PlyElement;
    const asFace = index === this.header.vertexElement ? parseInstance(face, tokens) : 'not checked';
    if (typeof asFace !== 'string' && (asFace.lists[this.header.faceList] ?? []).every(Number.isInteger)) {
      return `Line ${fmt(n)} of the PLY file looks like a face, but the header declares ${fmt(element.count)} vertices and only ${fmt(this.instance)} came before it: the file holds fewer vertices than its header declares; ${REEXPORT}`;
    }
    return `Line ${fmt(n)} of the PLY file should hold ${role} but ${why}: ${REEXPORT}`;
  }

  private skipEmptyElements(): void {
    while (!this.complete && (this.header.elements[this.element] as PlyElement).count === 0) this.element++;
  }
}

interface Instance {
  /** Scalar property values by property index (lists leave a hole); undefined when not finite. */
  scalars: (number | undefined)[];
  lists: number[][];
}

/** Splits one ASCII instance into its properties, or says what is wrong with it. */
function parseInstance(element: PlyElement, tokens: readonly string[]): Instance | string {
  const scalars: (number | undefined)[] = [];
  const lists: number[][] = [];
  let t = 0;
  for (let i = 0; i < element.properties.length; i++) {
    const prop = element.properties[i];
    if (t >= tokens.length) return `it has only ${fmt(tokens.length)} values`;
    const value = readNumber(tokens[t++] as string);
    if (value === NOT_A_NUMBER) return 'it holds a value that is not a number';
    if (prop?.countType === undefined) {
      scalars[i] = value === NOT_FINITE ? undefined : value;
      continue;
    }
    if (value === NOT_FINITE || !Number.isInteger(value) || value < 0) {
      return 'a list length in it is not a whole number';
    }
    if (t + value > tokens.length) return `its list declares ${fmt(value)} items but fewer follow`;
    const items: number[] = [];
    for (let k = 0; k < value; k++) {
      const item = readNumber(tokens[t++] as string);
      if (typeof item !== 'number') return 'it holds a list item that is not a number';
      items.push(item);
    }
    lists[i] = items;
  }
  if (t < tokens.length) return `it has ${fmt(tokens.length - t)} more values than the header declares`;
  return { scalars, lists };
}
