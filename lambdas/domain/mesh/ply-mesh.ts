import { Bounds } from './bounds';
import type { PlyHeader } from './ply-header';
import { fmt } from './text';
import { type MeshFacts, REEXPORT } from './types';

/**
 * What the PLY body means, shared by the ASCII and binary readers: the bounding box, the
 * triangle count (a k-gon counts as k − 2 triangles, as a fan) and the index range check,
 * which is possible whatever the element order because the header declares the vertex count.
 */
export class PlyMesh {
  problem: string | undefined;
  verticesRead = 0;
  facesRead = 0;
  triangles = 0;
  private readonly bounds = new Bounds();
  readonly vertexCount: number;
  readonly faceCount: number;

  constructor(header: PlyHeader) {
    this.vertexCount = header.elements[header.vertexElement]?.count ?? 0;
    this.faceCount = header.elements[header.faceElement]?.count ?? 0;
  }

  vertex(x: number, y: number, z: number): boolean {
    this.verticesRead++;
    if (this.bounds.add(x, y, z)) return true;
    this.problem = `Vertex ${fmt(this.verticesRead)} of the PLY file has a coordinate that is not a finite number (NaN or infinity): the mesh is corrupt; ${REEXPORT}`;
    return false;
  }

  faceStart(corners: number): boolean {
    this.facesRead++;
    if (Number.isInteger(corners) && corners >= 3) {
      this.triangles += corners - 2;
      return true;
    }
    this.problem = `Face ${fmt(this.facesRead)} of the PLY file has ${fmt(corners)} corners; a face needs at least 3: the mesh is corrupt; ${REEXPORT}`;
    return false;
  }

  corner(index: number): boolean {
    if (Number.isInteger(index) && index >= 0 && index < this.vertexCount) return true;
    this.problem = `Face ${fmt(this.facesRead)} of the PLY file refers to vertex ${Number.isInteger(index) ? fmt(index) : 'index that is not a whole number'}, which is out of range: the file has ${fmt(this.vertexCount)} vertices, numbered 0 to ${fmt(this.vertexCount - 1)}; ${REEXPORT}`;
    return false;
  }

  /** The body ended before everything the header declared was read. */
  shortfall(): string {
    const progress =
      this.verticesRead < this.vertexCount
        ? `${fmt(this.verticesRead)} vertices`
        : this.facesRead < this.faceCount
          ? `${fmt(this.facesRead)} faces`
          : 'the faces, inside an element that follows them';
    return `The PLY header declares ${fmt(this.vertexCount)} vertices and ${fmt(this.faceCount)} faces but the file ends after ${progress}: the upload looks truncated; ${REEXPORT}`;
  }

  /** The body holds more than the header declared. */
  surplus(what: string): string {
    return `The PLY file holds ${what} after the ${fmt(this.vertexCount)} vertices and ${fmt(this.faceCount)} faces its header declares: the counts in the header are wrong or data was appended; ${REEXPORT}`;
  }

  facts(): MeshFacts {
    return {
      format: 'ply',
      triangles: this.triangles,
      vertices: this.vertexCount,
      bbox: this.bounds.toBox(),
    };
  }

  corrupt(what: string): string {
    return `The PLY file holds ${what}: the mesh is corrupt; ${REEXPORT}`;
  }
}
