import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type FileInspection, inspectFile } from '../../lambdas/domain/mesh';
import {
  type BrokenMeshKind,
  claimedExtension,
  type MeshKind,
  type MeshOptions,
  meshBytes,
  meshPlan,
  meshStream,
  rechunk,
  seededRandom,
  type ValidMeshKind,
} from '../support/mesh-factory';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const inspectBytes = (ext: 'stl' | 'ply' | 'obj', bytes: Uint8Array, chunkSize = 64 * 1024) =>
  inspectFile(ext, rechunk(bytes, chunkSize));

const text = (s: string) => Buffer.from(s, 'latin1');

describe('inspectFile on valid meshes', () => {
  it.each<[ValidMeshKind, MeshOptions]>([
    ['stl-binary', {}],
    ['stl-ascii', {}],
    ['ply-ascii', {}],
    ['ply-ascii', { quads: true, triangles: 2001 }],
    ['ply-binary', {}],
    ['ply-binary', { quads: true }],
    ['ply-binary-be', {}],
    ['obj', {}],
    ['obj', { objIndices: 'normals' }],
    ['obj', { objIndices: 'negative', quads: true, triangles: 1999 }],
  ])('reports the facts of a %s file %j', async (kind, opts) => {
    // Prepare
    const bytes = meshBytes(kind, { seed: 7, ...opts });
    const plan = meshPlan(kind, { seed: 7, ...opts });
    // Act
    const result = await inspectBytes(claimedExtension(kind), bytes);
    // Assess
    expect(result.problem).toBeUndefined();
    expect(result.sizeBytes).toBe(bytes.length);
    expect(result.sha256).toBe(sha256(bytes));
    expect(result.mesh).toMatchObject({
      format: kind.startsWith('ply') ? 'ply' : kind,
      triangles: plan.triangles,
      vertices: plan.vertices,
    });
    const { min, max } = result.mesh?.bbox ?? { min: [0, 0, 0], max: [0, 0, 0] };
    const size = max.map((v, i) => v - (min[i] ?? 0));
    // A jaw: about 58 mm across, 50 mm deep, 25 mm tall.
    expect(size[0]).toBeGreaterThan(50);
    expect(size[0]).toBeLessThan(65);
    expect(size[1]).toBeGreaterThan(42);
    expect(size[1]).toBeLessThan(55);
    expect(size[2]).toBeGreaterThan(20);
    expect(size[2]).toBeLessThan(28);
  });

  it('finds the same bounding box in every format of the same surface', async () => {
    // Prepare
    const kinds: ValidMeshKind[] = ['stl-binary', 'stl-ascii', 'ply-ascii', 'ply-binary', 'obj'];
    // Act
    const boxes = await Promise.all(
      kinds.map(
        async (kind) => (await inspectBytes(claimedExtension(kind), meshBytes(kind, { seed: 3 }))).mesh?.bbox,
      ),
    );
    // Assess
    const reference = boxes[0];
    for (const box of boxes) {
      for (const corner of ['min', 'max'] as const) {
        box?.[corner].forEach((v, i) => {
          // Text formats round to 0.1 µm, binary ones to float32.
          expect(Math.abs(v - (reference?.[corner][i] ?? Number.NaN))).toBeLessThan(1e-3);
        });
      }
    }
  });

  it('streams a ~20 MB binary STL and reports the SHA-256 of exactly the bytes it read', async () => {
    // Prepare
    const opts = { targetBytes: 20 * 1024 * 1024, seed: 11 };
    const tap = createHash('sha256');
    let tappedBytes = 0;
    async function* tapped() {
      for await (const chunk of meshStream('stl-binary', opts)) {
        tap.update(chunk);
        tappedBytes += chunk.byteLength;
        yield chunk;
      }
    }
    // Act
    const result = await inspectFile('stl', tapped());
    // Assess
    expect(result.problem).toBeUndefined();
    expect(result.sizeBytes).toBe(tappedBytes);
    expect(result.sizeBytes).toBeGreaterThan(20_000_000);
    expect(result.sha256).toBe(tap.digest('hex'));
    expect(result.mesh).toMatchObject({
      format: 'stl-binary',
      triangles: meshPlan('stl-binary', opts).triangles,
    });
  }, 60_000);

  it('reads a binary STL whose header starts with "solid" as binary, by its size', async () => {
    // Prepare
    const bytes = meshBytes('stl-binary', { triangles: 500, stlHeader: 'solid exported_by_scanner' });
    // Act
    const result = await inspectBytes('stl', bytes);
    // Assess
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('solid');
    expect(result.problem).toBeUndefined();
    expect(result.mesh).toMatchObject({ format: 'stl-binary', triangles: 500, vertices: 1500 });
  });

  it('accepts ASCII STL with Windows line endings, capital keywords and several solids', async () => {
    // Prepare
    const one = meshBytes('stl-ascii', { triangles: 40 }).toString('latin1');
    const two = `${one}${one.replace(/facet normal/g, 'FACET NORMAL')}`.replace(/\n/g, '\r\n');
    // Act
    const result = await inspectBytes('stl', text(two), 333);
    // Assess
    expect(result.problem).toBeUndefined();
    expect(result.mesh).toMatchObject({ format: 'stl-ascii', triangles: 80, vertices: 240 });
  });

  it('accepts PLY with extra vertex properties and extra elements, ascii and binary alike', async () => {
    // Prepare
    const header = (format: string) =>
      [
        'ply',
        `format ${format} 1.0`,
        'comment made by hand',
        'element vertex 4',
        'property float x',
        'property float y',
        'property float z',
        'property uchar red',
        'property uchar green',
        'property uchar blue',
        'element face 2',
        'property list uchar int vertex_indices',
        'property float quality',
        'element edge 1',
        'property int vertex1',
        'property int vertex2',
        'end_header',
        '',
      ].join('\n');
    const vertices = [
      [0, 0, 0],
      [10, 0, 0],
      [10, 20, 0],
      [0, 20, 5],
    ];
    const ascii = text(
      `${header('ascii')}${vertices.map((v) => `${v.join(' ')} 255 0 0`).join('\n')}\n3 0 1 2 0.5\n4 0 1 2 3 1.5\n0 2\n`,
    );
    const body = Buffer.alloc(4 * 15 + (1 + 12 + 4) + (1 + 16 + 4) + 8);
    let at = 0;
    for (const v of vertices) {
      for (const c of v) at = body.writeFloatLE(c, at);
      at = body.writeUInt8(255, at);
      at = body.writeUInt8(0, at);
      at = body.writeUInt8(0, at);
    }
    for (const face of [
      [0, 1, 2],
      [0, 1, 2, 3],
    ]) {
      at = body.writeUInt8(face.length, at);
      for (const i of face) at = body.writeInt32LE(i, at);
      at = body.writeFloatLE(1, at);
    }
    at = body.writeInt32LE(0, at);
    body.writeInt32LE(2, at);
    const binary = Buffer.concat([text(header('binary_little_endian')), body]);
    const expected = { format: 'ply', triangles: 3, vertices: 4, bbox: { min: [0, 0, 0], max: [10, 20, 5] } };
    // Act
    const results = await Promise.all([inspectBytes('ply', ascii, 5), inspectBytes('ply', binary, 5)]);
    // Assess
    for (const result of results) {
      expect(result.problem).toBeUndefined();
      expect(result.mesh).toEqual(expected);
    }
  });

  it('accepts OBJ vertex colours, texture coordinates and v/vt/vn corners', async () => {
    // Prepare
    const obj = text(
      [
        '# scanner export',
        'v 0 0 0 0.9 0.8 0.7',
        'v 1 0 0 0.9 0.8 0.7',
        'v 1 1 0 1.0',
        'vt 0 0',
        'vt 1 0',
        'vt 1 1',
        'vn 0 0 1',
        'f 1/1/1 2/2/1 3/3/1',
        'f -3//-1 -2//-1 -1//-1',
      ].join('\n'),
    );
    // Act
    const result = await inspectBytes('obj', obj, 3);
    // Assess
    expect(result.problem).toBeUndefined();
    expect(result.mesh).toEqual({
      format: 'obj',
      triangles: 2,
      vertices: 3,
      bbox: { min: [0, 0, 0], max: [1, 1, 0] },
    });
  });
});

describe('inspectFile on broken files', () => {
  it.each<[BrokenMeshKind, 'stl' | 'ply' | 'obj', RegExp[]]>([
    ['stl-binary-truncated', 'stl', [/says 2,000 triangles/, /holds 1,333/, /truncated/]],
    [
      'stl-binary-wrong-count',
      'stl',
      [/says 1,993 triangles/, /350 extra bytes/, /count in the header is wrong/],
    ],
    ['stl-binary-no-triangles', 'stl', [/no triangles/]],
    ['stl-binary-nan', 'stl', [/Triangle 1,001/, /not a finite number/]],
    ['stl-ascii-no-endsolid', 'stl', [/endsolid/, /line 14,001/, /truncated/]],
    ['stl-ascii-bad-vertex', 'stl', [/Line 7,005/, /'vertex x y z'/, /2 numbers/]],
    ['ply-missing-vertices', 'ply', [/declares 1,030 vertices/, /fewer vertices/]],
    ['ply-binary-truncated', 'ply', [/declares 1,020 vertices and 2,000 faces/, /ends after/, /truncated/]],
    ['ply-bad-header', 'ply', [/Line 2/, /format binary_little_endian 1\.0/]],
    ['ply-face-out-of-range', 'ply', [/Face 667/, /vertex 1,025/, /out of range/, /1,020 vertices/]],
    ['obj-face-out-of-range', 'obj', [/vertex 1,023/, /out of range/, /only 1,020 vertices/]],
    ['obj-no-faces', 'obj', [/no faces/, /point cloud/]],
    ['pdf', 'stl', [/PDF document/, /not an STL mesh/]],
    ['pdf', 'ply', [/PDF document/, /not a PLY mesh/]],
    ['pdf', 'obj', [/PDF document/, /not an OBJ mesh/]],
    ['zip', 'stl', [/ZIP archive/, /unpack it/]],
    ['empty', 'stl', [/empty/, /0 bytes/]],
  ])('explains a %s file claimed as .%s', async (kind, ext, patterns) => {
    // Prepare
    const bytes = meshBytes(kind, { triangles: 2000, seed: 5 });
    // Act
    const result = await inspectBytes(ext, bytes);
    // Assess
    expect(result.mesh).toBeUndefined();
    expect(result.sizeBytes).toBe(bytes.length);
    expect(result.sha256).toBe(sha256(bytes));
    for (const pattern of patterns) expect(result.problem).toMatch(pattern);
    // Every problem tells the lab what to do next.
    expect(result.problem).toMatch(/export|upload|unpack/i);
  });

  it('reports a truncated binary STL as truncated even when its header starts with "solid"', async () => {
    // Prepare
    const bytes = meshBytes('stl-binary-truncated', { triangles: 300, stlHeader: 'solid part' });
    // Act
    const result = await inspectBytes('stl', bytes);
    // Assess
    expect(result.problem).toMatch(/header says 300 triangles/);
    expect(result.problem).toMatch(/truncated/);
  });

  it.each<[string, 'stl' | 'ply' | 'obj', string, RegExp[]]>([
    ['a PLY mesh named .stl', 'stl', 'ply-ascii', [/holds a PLY mesh/, /not an STL mesh/]],
    ['a binary STL named .ply', 'ply', 'stl-binary', [/holds a binary STL mesh/]],
    ['an ASCII STL named .obj', 'obj', 'stl-ascii', [/holds an STL mesh/]],
    ['an OBJ named .stl', 'stl', 'obj', [/holds an OBJ mesh/]],
  ])('names the real format of %s', async (_label, ext, kind, patterns) => {
    // Prepare
    const bytes = meshBytes(kind as MeshKind, { triangles: 50 });
    // Act
    const result = await inspectBytes(ext, bytes);
    // Assess
    for (const pattern of patterns) expect(result.problem).toMatch(pattern);
  });

  it.each<[string, 'stl' | 'ply' | 'obj', string, RegExp[]]>([
    [
      'an ASCII STL vertex with NaN',
      'stl',
      'solid a\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex nan 0 0\nvertex 0 1 0\nendloop\nendfacet\nendsolid a\n',
      [/Line 5/, /not a finite number/],
    ],
    [
      'an ASCII STL facet without its outer loop',
      'stl',
      'solid a\nfacet normal 0 0 1\nvertex 0 0 0\n',
      [/Line 3/, /'outer loop'/, /'vertex' line/],
    ],
    [
      'an ASCII STL cut inside a facet',
      'stl',
      'solid a\nfacet normal 0 0 1\nouter loop\nvertex 0 0 0\n',
      [/middle of triangle 1/, /corner 2 of 3/, /truncated/],
    ],
    ['an ASCII STL with no facets', 'stl', 'solid a\nendsolid a\n', [/no triangles/]],
    [
      'an OBJ face using a vertex defined after it',
      'obj',
      'v 0 0 0\nv 1 0 0\nf 1 2 3\nv 0 1 0\n',
      [/Line 3/, /vertex 3/, /only 2 vertices are defined before/],
    ],
    [
      'an OBJ face with index 0',
      'obj',
      'v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n',
      [/vertex 0/, /counts from 1/],
    ],
    ['an OBJ with no vertices', 'obj', '# nothing\no empty\n', [/no vertices/]],
    ['an OBJ with an Infinity coordinate', 'obj', 'v 0 0 inf\n', [/vertex 1/, /not a finite number/]],
    ['text that is not OBJ', 'obj', 'hello world\n', [/Line 1/, /not an OBJ statement/]],
    ['an endless line', 'obj', `v ${'1'.repeat(100_000)}`, [/longer than/]],
    [
      'a PLY with more data than declared',
      'ply',
      'ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\nproperty float z\nelement face 1\nproperty list uchar int vertex_indices\nend_header\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n3 0 1 2\n',
      [/after the 3 vertices and 1 faces/, /from line 14/],
    ],
    [
      'a PLY without faces',
      'ply',
      'ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\nproperty float y\nproperty float z\nend_header\n0 0 0\n',
      [/no 'face' element/],
    ],
    [
      'a PLY whose header never ends',
      'ply',
      'ply\nformat ascii 1.0\nelement vertex 1\nproperty float x\n',
      [/never ends/, /end_header/],
    ],
    [
      'a PLY with an unknown property type',
      'ply',
      'ply\nformat ascii 1.0\nelement vertex 1\nproperty float128 x\nend_header\n',
      [/Line 4/, /known PLY type/],
    ],
    ['a file that is not PLY at all', 'ply', 'solid? no\n', [/does not start with the line 'ply'/]],
    ['a tiny binary blob', 'stl', '\x00\x01\x02', [/only 3 bytes/]],
  ])('explains %s', async (_label, ext, content, patterns) => {
    // Act
    const result = await inspectBytes(ext, text(content), 4);
    // Assess
    expect(result.mesh).toBeUndefined();
    for (const pattern of patterns) expect(result.problem).toMatch(pattern);
  });

  it('catches a binary PLY face that points past the last vertex', async () => {
    // Prepare
    const header =
      'ply\nformat binary_big_endian 1.0\nelement vertex 3\nproperty double x\nproperty double y\nproperty double z\nelement face 1\nproperty list uchar uint vertex_indices\nend_header\n';
    const body = Buffer.alloc(3 * 24 + 1 + 12);
    body.writeDoubleBE(1, 24);
    body.writeDoubleBE(1, 56);
    body.writeUInt8(3, 72);
    body.writeUInt32BE(0, 73);
    body.writeUInt32BE(1, 77);
    body.writeUInt32BE(3, 81);
    // Act
    const result = await inspectBytes('ply', Buffer.concat([text(header), body]), 9);
    // Assess
    expect(result.problem).toMatch(/Face 1/);
    expect(result.problem).toMatch(/vertex 3, which is out of range/);
  });

  it('never quotes free text from the file, where exporters put patient names', async () => {
    // Prepare
    const bytes = text('solid Jane_Doe_upper\nfacet normal 0 0 1\nJane Doe was here\n');
    // Act
    const result = await inspectBytes('stl', bytes);
    // Assess
    expect(result.problem).toMatch(/Line 3/);
    expect(result.problem).not.toMatch(/Jane|Doe/);
  });
});

describe('inspectFile across chunk boundaries', () => {
  const kinds: [MeshKind, MeshOptions][] = [
    ['stl-binary', { stlHeader: 'solid looks like text' }],
    ['stl-ascii', {}],
    ['ply-ascii', { quads: true }],
    ['ply-binary', {}],
    ['ply-binary-be', { quads: true }],
    ['obj', { objIndices: 'normals' }],
    ['stl-binary-truncated', {}],
    ['stl-binary-nan', {}],
    ['stl-ascii-bad-vertex', {}],
    ['ply-binary-truncated', {}],
    ['ply-face-out-of-range', {}],
    ['obj-face-out-of-range', {}],
  ];

  it.each(kinds)('gives identical results for %s in 1-byte, 7-byte and random chunks', async (kind, opts) => {
    // Prepare
    const bytes = meshBytes(kind, { triangles: 60, seed: 9, ...opts });
    const ext = claimedExtension(kind);
    const random = seededRandom(42);
    // Act
    const whole = await inspectBytes(ext, bytes, bytes.length);
    const split: FileInspection[] = [
      await inspectBytes(ext, bytes, 1),
      await inspectBytes(ext, bytes, 7),
      await inspectFile(
        ext,
        rechunk(bytes, () => 1 + Math.floor(random() * 300)),
      ),
      await inspectFile(
        ext,
        rechunk(bytes, (i) => (i % 2 === 0 ? 49 : 51)),
      ),
    ];
    // Assess
    expect(whole.sha256).toBe(sha256(bytes));
    expect(whole.mesh !== undefined || whole.problem !== undefined).toBe(true);
    for (const result of split) expect(result).toEqual(whole);
  });

  it('accepts a web-stream style body of plain Uint8Arrays', async () => {
    // Prepare
    const bytes = meshBytes('ply-binary', { triangles: 100 });
    async function* plain() {
      for (let at = 0; at < bytes.length; at += 1000) yield new Uint8Array(bytes.subarray(at, at + 1000));
    }
    // Act
    const result = await inspectFile('ply', plain());
    // Assess
    expect(result.mesh).toMatchObject({ format: 'ply', triangles: 100 });
  });
});
