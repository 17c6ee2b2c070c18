import { Bounds } from './bounds';
import { fmt } from './text';
import { REEXPORT, type Verdict } from './types';

const HEADER_BYTES = 80;
const PREFIX_BYTES = 84;
const RECORD_BYTES = 50;

export function binaryStlSize(triangles: number): number {
  return PREFIX_BYTES + RECORD_BYTES * triangles;
}

/**
 * Binary STL: 80-byte free-form header, uint32 LE triangle count, then 50-byte records
 * (normal, three corners as float32 LE, uint16 attribute). Records are decoded straight out of
 * each chunk; only a record split across two chunks is copied, into a fixed 50-byte carry.
 * Corners are not deduplicated, so `vertices` is 3 per triangle: welding would need a hash
 * of every corner, which is exactly the unbounded memory this check must not use.
 */
export class BinaryStlChecker {
  problem: string | undefined;
  private readonly prefix = new Uint8Array(PREFIX_BYTES);
  private prefixLength = 0;
  private declared = -1;
  private readonly carry = new Uint8Array(RECORD_BYTES);
  private readonly carryView = new DataView(this.carry.buffer);
  private carryLength = 0;
  private parsed = 0;
  private readonly bounds = new Bounds();

  push(chunk: Uint8Array): void {
    if (this.problem !== undefined) return;
    const length = chunk.byteLength;
    let p = 0;
    if (this.prefixLength < PREFIX_BYTES) {
      const take = Math.min(PREFIX_BYTES - this.prefixLength, length);
      this.prefix.set(chunk.subarray(0, take), this.prefixLength);
      this.prefixLength += take;
      p = take;
      if (this.prefixLength < PREFIX_BYTES) return;
      this.declared = new DataView(this.prefix.buffer).getUint32(HEADER_BYTES, true);
    }
    // Bytes past the declared records are only counted, via the total size in finish().
    if (this.parsed >= this.declared) return;
    if (this.carryLength > 0) {
      const take = Math.min(RECORD_BYTES - this.carryLength, length - p);
      this.carry.set(chunk.subarray(p, p + take), this.carryLength);
      this.carryLength += take;
      p += take;
      if (this.carryLength < RECORD_BYTES) return;
      this.carryLength = 0;
      if (!this.record(this.carryView, 0)) return;
    }
    const view = new DataView(chunk.buffer, chunk.byteOffset, length);
    const whole = Math.min(Math.floor((length - p) / RECORD_BYTES), this.declared - this.parsed);
    for (let i = 0; i < whole; i++, p += RECORD_BYTES) {
      if (!this.record(view, p)) return;
    }
    if (this.parsed < this.declared && p < length) {
      this.carry.set(chunk.subarray(p), 0);
      this.carryLength = length - p;
    }
  }

  sizeMatches(totalBytes: number): boolean {
    return this.declared >= 0 && totalBytes === binaryStlSize(this.declared);
  }

  finish(totalBytes: number): Verdict {
    if (this.problem !== undefined) return { problem: this.problem };
    if (totalBytes < PREFIX_BYTES) {
      return {
        problem: `The file is only ${fmt(totalBytes)} bytes long, too short for an STL file (a binary STL needs an 84-byte header): ${REEXPORT}`,
      };
    }
    const expected = binaryStlSize(this.declared);
    if (totalBytes < expected) {
      const held = Math.floor((totalBytes - PREFIX_BYTES) / RECORD_BYTES);
      return {
        problem: `The STL header says ${fmt(this.declared)} triangles but the file holds ${fmt(held)} (${fmt(expected - totalBytes)} bytes missing): the upload looks truncated; ${REEXPORT}`,
      };
    }
    if (totalBytes > expected) {
      return {
        problem: `The STL header says ${fmt(this.declared)} triangles but ${fmt(totalBytes - expected)} extra bytes follow them: the triangle count in the header is wrong or data was appended to the file; ${REEXPORT}`,
      };
    }
    if (this.declared === 0) {
      return { problem: `The STL file holds no triangles (its header says 0): ${REEXPORT}` };
    }
    return {
      mesh: {
        format: 'stl-binary',
        triangles: this.declared,
        vertices: this.declared * 3,
        bbox: this.bounds.toBox(),
      },
    };
  }

  private record(view: DataView, at: number): boolean {
    // Corners start after the 12-byte normal. Normals are not checked: every CAD tool
    // recomputes them, and some exporters legitimately write zeros or NaN for slivers.
    const b = this.bounds;
    if (
      !b.add(
        view.getFloat32(at + 12, true),
        view.getFloat32(at + 16, true),
        view.getFloat32(at + 20, true),
      ) ||
      !b.add(
        view.getFloat32(at + 24, true),
        view.getFloat32(at + 28, true),
        view.getFloat32(at + 32, true),
      ) ||
      !b.add(view.getFloat32(at + 36, true), view.getFloat32(at + 40, true), view.getFloat32(at + 44, true))
    ) {
      this.problem = `Triangle ${fmt(this.parsed + 1)} of the STL file has a corner coordinate that is not a finite number (NaN or infinity): the mesh is corrupt; ${REEXPORT}`;
      return false;
    }
    this.parsed++;
    return true;
  }
}
