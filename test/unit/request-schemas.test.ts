/**
 * The request schemas (lambdas/domain/schemas/): field-level issues with today's wording, length
 * checked before anything walks a string, and no zod classic (with its 260 KB of locales) in
 * any function's code.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAccountPolicy, parseRevisionRequest } from '../../lambdas/domain/schemas/decisions';
import { parseCreateDesigner } from '../../lambdas/domain/schemas/designers';
import {
  parseDeclareOutput,
  parseDeclareUpload,
  parsePartNumbers,
  parseParts,
} from '../../lambdas/domain/schemas/files';
import { ValidationError } from '../../lambdas/kernel/errors';

const fieldsOf = (parse: () => unknown) => {
  try {
    parse();
  } catch (error) {
    if (error instanceof ValidationError) return error.details.fields;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

const sha = 'AB'.repeat(32);

describe('scan declarations', () => {
  it('normalises what it accepts: trimmed name, format from the extension, lower-case digest', () => {
    expect(parseDeclareUpload({ name: '  Upper Arch.STL ', sizeBytes: 10, sha256: sha })).toEqual({
      name: 'Upper Arch.STL',
      sizeBytes: 10,
      sha256: 'ab'.repeat(32),
      format: 'stl',
    });
  });

  it('names every wrong field at once, unknown ones last, in one issue', () => {
    const fields = fieldsOf(() =>
      parseDeclareUpload({ name: 'scan.zip', sizeBytes: 2 ** 31, sha256: 'x', remake: 'yes', a: 1, b: 2 }),
    );
    expect(fields).toEqual([
      { field: 'name', message: expect.stringContaining('Only STL, PLY and OBJ') },
      { field: 'sizeBytes', message: expect.stringContaining('limited to 1024 MB') },
      { field: 'sha256', message: expect.stringContaining('64 hexadecimal') },
      { field: 'remake', message: 'Use true or false.' },
      { field: 'a, b', message: 'Unknown field: remove it.' },
    ]);
  });

  it('reports a megabyte-long name by its length, once', () => {
    const fields = fieldsOf(() =>
      parseDeclareUpload({ name: `${' '.repeat(500_000)}x.stl`, sizeBytes: 1, sha256: sha }),
    );
    expect(fields).toEqual([{ field: 'name', message: expect.stringContaining('up to 255 characters') }]);
  });
});

describe('design files', () => {
  it('refuses a name with no extension, even one that spells a format', () => {
    expect(fieldsOf(() => parseDeclareOutput({ name: 'stl', sizeBytes: 1, sha256: sha }))).toEqual([
      { field: 'name', message: expect.stringContaining('STL, PLY or OBJ') },
    ]);
  });

  it('takes a PDF report', () => {
    expect(parseDeclareOutput({ name: 'report.pdf', sizeBytes: 1, sha256: sha }).format).toBe('pdf');
  });
});

describe('multipart parts', () => {
  it('names the first wrong part, with the range for this file', () => {
    const body = {
      completed: [
        { partNumber: 1, etag: '"a"' },
        { partNumber: 9, etag: '"b"' },
      ],
    };
    expect(fieldsOf(() => parseParts(body, 'completed', 4))).toEqual([
      { field: 'completed[1]', message: 'Give partNumber 1–4 and the ETag S3 returned for it.' },
    ]);
  });

  it('asks for at most 50 part numbers within the file', () => {
    expect(parsePartNumbers({ partNumbers: [2, 3] }, 4)).toEqual([2, 3]);
    expect(parsePartNumbers({}, 4)).toBeUndefined();
    for (const partNumbers of [[5], [0], Array.from({ length: 51 }, () => 1), 'all']) {
      expect(fieldsOf(() => parsePartNumbers({ partNumbers }, 4)).map((f) => f.field)).toEqual([
        'partNumbers',
      ]);
    }
  });
});

describe('revisions and policies', () => {
  it('screens a revision comment for PHI once it is within its length', () => {
    const fields = fieldsOf(() =>
      parseRevisionRequest({ reason: 'other', comment: 'Call the patient on 555-123-4567' }),
    );
    expect(fields.map((f) => f.field)).toEqual(['comment']);
  });

  it('says "too long", not a PHI finding, for a comment over its limit', () => {
    const fields = fieldsOf(() =>
      parseRevisionRequest({ reason: 'occlusion', comment: 'john@example.com '.repeat(200) }),
    );
    expect(fields).toEqual([{ field: 'comment', message: expect.stringContaining('up to 2000') }]);
  });

  it('changes only the policy fields sent', () => {
    expect(parseAccountPolicy({ autoAcceptDays: 14 })).toEqual({ autoAcceptDays: 14 });
    expect(fieldsOf(() => parseAccountPolicy({ retentionDays: 29.5 }))).toEqual([
      { field: 'retentionDays', message: 'Keep archived cases 30 to 7300 days (20 years).' },
    ]);
  });
});

describe('designer registration', () => {
  it('folds duplicate skills into catalogue order and names each unknown one', () => {
    const base = { designerId: 'u-1', username: 'designer.a', displayName: 'A', capacity: 2, country: 'IN' };
    expect(parseCreateDesigner({ ...base, skills: ['veneer', 'crown', 'veneer'] }).skills).toEqual([
      'crown',
      'veneer',
    ]);
    expect(fieldsOf(() => parseCreateDesigner({ ...base, skills: ['crown', 'x', 7] }))).toEqual([
      { field: 'skills[1]', message: expect.stringContaining('Not a restoration type') },
      { field: 'skills[2]', message: expect.stringContaining('Not a restoration type') },
    ]);
  });
});

describe('function code', () => {
  it('imports zod only as zod/mini (zod classic brings its locales into every bundle)', () => {
    const root = fileURLToPath(new URL('../../lambdas', import.meta.url));
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts') && /from 'zod(\/v4)?'/.test(readFileSync(path, 'utf8')))
          offenders.push(path.slice(root.length + 1));
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });
});
