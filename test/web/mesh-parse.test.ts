/**
 * What the mesh worker hands back: typed arrays and bounds from three.js's loaders, normals
 * computed when the file has none, each buffer listed once for transfer; a broken file fails with
 * the loader's own error (the message the viewer shows).
 */
import { describe, expect, it } from 'vitest';
import { buffersOf, parseMesh } from '../../web/src/viewer/mesh-parse';
import { meshBytes, meshPlan } from '../support/mesh-factory';

const arrayBufferOf = (b: Buffer) => new Uint8Array(b).buffer;

describe('parseMesh', () => {
  it('parses a binary STL into positions, normals and its bounds', () => {
    const bytes = meshBytes('stl-binary', { triangles: 600, seed: 4 });
    const [part, ...rest] = parseMesh('stl', arrayBufferOf(bytes));
    expect(rest).toEqual([]);
    expect(part?.kind).toBe('mesh');
    expect(part?.position).toHaveLength(600 * 9);
    expect(part?.normal).toHaveLength(600 * 9);
    expect(part?.index).toBeUndefined();
    const [x0 = 0, y0 = 0, z0 = 0, x1 = 0, y1 = 0, z1 = 0] = part?.box ?? [];
    for (let i = 0; i < (part?.position.length ?? 0); i += 3) {
      const [x = 0, y = 0, z = 0] = part?.position.subarray(i, i + 3) ?? [];
      expect(x >= x0 && x <= x1 && y >= y0 && y <= y1 && z >= z0 && z <= z1).toBe(true);
    }
    expect(part?.sphere[3]).toBeGreaterThan(0);
    expect(buffersOf(part ? [part] : [])).toHaveLength(2);
  });

  it('computes the normals an indexed PLY lacks', () => {
    const plan = meshPlan('ply-binary', { triangles: 400 });
    const [part] = parseMesh('ply', arrayBufferOf(meshBytes('ply-binary', { triangles: 400 })));
    expect(part?.position).toHaveLength(plan.vertices * 3);
    expect(part?.normal).toHaveLength(plan.vertices * 3);
    expect(part?.index).toHaveLength(400 * 3);
  });

  it('parses an OBJ into its mesh parts', () => {
    const parts = parseMesh(
      'obj',
      arrayBufferOf(meshBytes('obj', { triangles: 300, objIndices: 'normals' })),
    );
    expect(parts.map((p) => p.kind)).toEqual(['mesh']);
    expect(parts[0]?.position).toHaveLength(300 * 9);
  });

  it('fails on a truncated binary STL with the loader’s error', () => {
    expect(() => parseMesh('stl', arrayBufferOf(meshBytes('stl-binary-truncated')))).toThrow(RangeError);
  });
});
