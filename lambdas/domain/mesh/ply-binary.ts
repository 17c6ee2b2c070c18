import { type PlyElement, type PlyHeader, SCALAR_BYTES, type ScalarType } from './ply-header';
import type { PlyMesh } from './ply-mesh';

type Reader = (view: DataView, at: number) => number;

function reader(type: ScalarType, littleEndian: boolean): Reader {
  switch (type) {
    case 'int8':
      return (v, at) => v.getInt8(at);
    case 'uint8':
      return (v, at) => v.getUint8(at);
    case 'int16':
      return (v, at) => v.getInt16(at, littleEndian);
    case 'uint16':
      return (v, at) => v.getUint16(at, littleEndian);
    case 'int32':
      return (v, at) => v.getInt32(at, littleEndian);
    case 'uint32':
      return (v, at) => v.getUint32(at, littleEndian);
    case 'float32':
      return (v, at) => v.getFloat32(at, littleEndian);
    case 'float64':
      return (v, at) => v.getFloat64(at, littleEndian);
  }
}

interface Property {
  readonly size: number;
  readonly read: Reader;
  readonly count?: { readonly size: number; readonly read: Reader };
}

interface Element {
  readonly count: number;
  readonly properties: readonly Property[];
  /** Bytes per instance when it has no list property, else undefined. */
  readonly fixedSize: number | undefined;
  readonly role: 'vertex' | 'face' | 'other';
}

function compile(element: PlyElement, role: Element['role'], littleEndian: boolean): Element {
  const properties = element.properties.map((p): Property => {
    const base = { size: SCALAR_BYTES[p.type], read: reader(p.type, littleEndian) };
    return p.countType === undefined
      ? base
      : { ...base, count: { size: SCALAR_BYTES[p.countType], read: reader(p.countType, littleEndian) } };
  });
  const fixedSize = properties.every((p) => p.count === undefined)
    ? properties.reduce((sum, p) => sum + p.size, 0)
    : undefined;
  return { count: element.count, properties, fixedSize, role };
}

/**
 * Binary PLY body as a state machine over scalars: element, instance, property, and items left
 * in the current list. Whole instances that lie inside one chunk take a fast path decoded in
 * place; a scalar split across chunks is assembled in an 8-byte scratch. Nothing else is kept,
 * so memory does not depend on the file size or on the length of any list.
 */
export class PlyBinaryBody {
  /** Bytes found after the last declared element. */
  surplusBytes = 0;
  private readonly elements: readonly Element[];
  private readonly xyz: readonly [number, number, number];
  private readonly faceList: number;
  private element = 0;
  private instance = 0;
  private property = 0;
  /** Items still to read in the current list, or -1 outside a list. */
  private listLeft = -1;
  private readonly vertex = [0, 0, 0];
  private readonly scratch = new Uint8Array(8);
  private readonly scratchView = new DataView(this.scratch.buffer);
  private scratchLength = 0;

  constructor(
    header: PlyHeader,
    private readonly mesh: PlyMesh,
  ) {
    const littleEndian = header.encoding === 'binary_little_endian';
    this.elements = header.elements.map((e, i) =>
      compile(
        e,
        i === header.vertexElement ? 'vertex' : i === header.faceElement ? 'face' : 'other',
        littleEndian,
      ),
    );
    this.xyz = header.xyz;
    this.faceList = header.faceList;
    this.skipEmptyElements();
  }

  get complete(): boolean {
    return this.element >= this.elements.length;
  }

  push(chunk: Uint8Array): void {
    const length = chunk.byteLength;
    const view = new DataView(chunk.buffer, chunk.byteOffset, length);
    let p = 0;
    while (p < length && this.mesh.problem === undefined) {
      if (this.complete) {
        this.surplusBytes += length - p;
        return;
      }
      if (this.scratchLength === 0 && this.property === 0 && this.listLeft < 0) {
        const used = this.wholeInstances(view, p);
        if (used > 0) {
          p += used;
          continue;
        }
      }
      const size = this.nextScalarSize();
      let value: number;
      if (this.scratchLength === 0 && p + size <= length) {
        value = this.nextScalarReader()(view, p);
        p += size;
      } else {
        const take = Math.min(size - this.scratchLength, length - p);
        this.scratch.set(chunk.subarray(p, p + take), this.scratchLength);
        this.scratchLength += take;
        p += take;
        if (this.scratchLength < size) return;
        this.scratchLength = 0;
        value = this.nextScalarReader()(this.scratchView, 0);
      }
      this.scalar(value);
    }
  }

  /** Decodes as many complete instances as lie in the chunk from `start`; returns bytes used. */
  private wholeInstances(view: DataView, start: number): number {
    let p = start;
    while (!this.complete && this.mesh.problem === undefined) {
      const element = this.elements[this.element] as Element;
      const end = this.instanceEnd(element, view, p);
      if (end < 0) break;
      if (element.role === 'vertex') {
        this.readVertex(element, view, p);
      } else if (element.role === 'face') {
        this.readFace(element, view, p);
      }
      p = end;
      this.endInstance(element);
    }
    return p - start;
  }

  private readVertex(element: Element, view: DataView, p: number): void {
    let offset = p;
    const { properties } = element;
    for (let i = 0; i < properties.length; i++) {
      const prop = properties[i] as Property;
      const slot = i === this.xyz[0] ? 0 : i === this.xyz[1] ? 1 : i === this.xyz[2] ? 2 : -1;
      if (slot >= 0) this.vertex[slot] = prop.read(view, offset);
      offset += prop.count ? prop.count.size + prop.count.read(view, offset) * prop.size : prop.size;
    }
    this.mesh.vertex(this.vertex[0] as number, this.vertex[1] as number, this.vertex[2] as number);
  }

  private readFace(element: Element, view: DataView, p: number): void {
    let offset = p;
    const { properties } = element;
    for (let i = 0; i < properties.length; i++) {
      const prop = properties[i] as Property;
      if (prop.count === undefined) {
        offset += prop.size;
        continue;
      }
      const items = prop.count.read(view, offset);
      offset += prop.count.size;
      if (i === this.faceList) {
        if (!this.mesh.faceStart(items)) return;
        for (let k = 0; k < items; k++) {
          if (!this.mesh.corner(prop.read(view, offset + k * prop.size))) return;
        }
      }
      offset += items * prop.size;
    }
  }

  /** End offset of the instance starting at `p` if it lies wholly in the view, else -1. */
  private instanceEnd(element: Element, view: DataView, p: number): number {
    if (element.fixedSize !== undefined) {
      return p + element.fixedSize <= view.byteLength ? p + element.fixedSize : -1;
    }
    let offset = p;
    for (const prop of element.properties) {
      if (prop.count !== undefined) {
        if (offset + prop.count.size > view.byteLength) return -1;
        const items = prop.count.read(view, offset);
        // A negative length cannot be skipped over; the scalar path reports it.
        if (items < 0) return -1;
        offset += prop.count.size + items * prop.size;
      } else {
        offset += prop.size;
      }
      if (offset > view.byteLength) return -1;
    }
    return offset;
  }

  private currentProperty(): Property {
    return (this.elements[this.element] as Element).properties[this.property] as Property;
  }

  private nextScalarSize(): number {
    const prop = this.currentProperty();
    return this.listLeft < 0 && prop.count ? prop.count.size : prop.size;
  }

  private nextScalarReader(): Reader {
    const prop = this.currentProperty();
    return this.listLeft < 0 && prop.count ? prop.count.read : prop.read;
  }

  private scalar(value: number): void {
    const element = this.elements[this.element] as Element;
    const prop = this.currentProperty();
    const isFaceList = element.role === 'face' && this.property === this.faceList;
    if (this.listLeft >= 0) {
      if (isFaceList && !this.mesh.corner(value)) return;
      this.listLeft--;
    } else if (prop.count !== undefined) {
      if (isFaceList) {
        if (!this.mesh.faceStart(value)) return;
      } else if (value < 0) {
        this.mesh.problem = this.mesh.corrupt('a list with a negative length');
        return;
      }
      this.listLeft = value;
    } else if (element.role === 'vertex') {
      const slot = this.xyz.indexOf(this.property);
      if (slot >= 0) this.vertex[slot] = value;
    }
    if (this.listLeft > 0) return;
    this.listLeft = -1;
    this.property++;
    if (this.property < element.properties.length) return;
    if (element.role === 'vertex') {
      this.mesh.vertex(this.vertex[0] as number, this.vertex[1] as number, this.vertex[2] as number);
    }
    this.endInstance(element);
  }

  private endInstance(element: Element): void {
    this.property = 0;
    this.instance++;
    if (this.instance < element.count) return;
    this.element++;
    this.instance = 0;
    this.skipEmptyElements();
  }

  /** Elements with no instances or no properties occupy no bytes. */
  private skipEmptyElements(): void {
    while (!this.complete) {
      const element = this.elements[this.element] as Element;
      if (element.count > 0 && element.properties.length > 0) return;
      this.element++;
    }
  }
}
