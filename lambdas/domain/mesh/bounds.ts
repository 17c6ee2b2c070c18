import type { Vec3 } from './types';

/** Running axis-aligned bounding box; O(1) memory whatever the vertex count. */
export class Bounds {
  private minX = Number.POSITIVE_INFINITY;
  private minY = Number.POSITIVE_INFINITY;
  private minZ = Number.POSITIVE_INFINITY;
  private maxX = Number.NEGATIVE_INFINITY;
  private maxY = Number.NEGATIVE_INFINITY;
  private maxZ = Number.NEGATIVE_INFINITY;

  /**
   * Returns false for NaN or ±Infinity, which would poison the box and every downstream
   * measurement; the caller turns that into a problem. `v - v !== 0` is true exactly for
   * those values and is cheaper than three Number.isFinite calls in the hot loop.
   */
  add(x: number, y: number, z: number): boolean {
    if (x - x !== 0 || y - y !== 0 || z - z !== 0) return false;
    if (x < this.minX) this.minX = x;
    if (x > this.maxX) this.maxX = x;
    if (y < this.minY) this.minY = y;
    if (y > this.maxY) this.maxY = y;
    if (z < this.minZ) this.minZ = z;
    if (z > this.maxZ) this.maxZ = z;
    return true;
  }

  toBox(): { min: Vec3; max: Vec3 } {
    return { min: [this.minX, this.minY, this.minZ], max: [this.maxX, this.maxY, this.maxZ] };
  }
}
