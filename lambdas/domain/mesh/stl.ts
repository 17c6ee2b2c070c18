import { looksLikeText } from './sniff';
import { AsciiStlChecker } from './stl-ascii';
import { BinaryStlChecker } from './stl-binary';
import type { MeshChecker, Verdict } from './types';

/**
 * STL comes in two unrelated encodings and a binary file's free-form header may itself start
 * with "solid", so the first bytes cannot decide. Both parsers run side by side over the same
 * chunks and the verdict is taken at the end, size equation first: a file of exactly
 * 84 + 50·n bytes, n being its header count, is binary. The ASCII parser dies within a line or
 * two on binary data, so the cost of running both is the binary parser's alone; once the ASCII
 * parser has read a complete facet the file is text, and the binary parser is dropped so it
 * does not decode hundreds of MB of text as floats.
 */
export class StlChecker implements MeshChecker {
  private readonly binary = new BinaryStlChecker();
  private readonly ascii = new AsciiStlChecker();
  private binaryAlive = true;

  constructor(private readonly head: () => Uint8Array) {}

  push(chunk: Uint8Array): void {
    if (this.binaryAlive) this.binary.push(chunk);
    if (this.ascii.problem === undefined) {
      this.ascii.push(chunk);
      if (this.ascii.facets > 0) this.binaryAlive = false;
    }
  }

  finish(totalBytes: number): Verdict {
    // The binary parser yields a mesh only when the size equation holds, so this is the
    // size-equation-first rule.
    const binary = this.binaryAlive ? this.binary.finish(totalBytes) : undefined;
    if (binary?.mesh) return binary;
    const ascii = this.ascii.finish();
    if (ascii.mesh || binary === undefined) return ascii;
    if (this.binary.sizeMatches(totalBytes)) return binary;
    // Neither fits: explain it in the terms of the encoding the file was evidently meant to be.
    return looksLikeText(this.head()) ? ascii : binary;
  }
}
