/**
 * Request bodies about files: a lab declaring a scan (POST /orders/{orderId}/uploads), asking
 * for part URLs and completing a multipart upload, and a designer declaring a design file
 * (POST /assignments/{orderId}/uploads).
 */
import * as z from 'zod/mini';
import { type FieldIssue, ValidationError } from '../../kernel/errors';
import type { FileFormat } from '../order';
import { isPlainObject, parseFields, unknownKeys } from './body';

/** Per-file cap: full-arch scans and models run to several hundred MB. */
export const MAX_FILE_BYTES = 1024 * 1024 * 1024;
/** Part URLs handed out per request: a client asks again as it goes. */
export const MAX_PART_URLS_PER_REQUEST = 50;
/** Per-file cap on a design file. */
export const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
export const FILE_NAME_MAX = 255;
const ETAG_MAX = 200;
/** S3 allows 10,000 parts; no list of parts is longer. */
const MAX_PARTS = 10_000;

const SCAN_FORMATS: readonly FileFormat[] = ['stl', 'ply', 'obj'];
const DESIGN_FORMATS: readonly string[] = ['stl', 'ply', 'obj', 'pdf'];
const SHA256_HEX = /^[0-9a-f]{64}$/;
const UNSAFE_NAME = /[/\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The extension after the last dot, lower-cased; '' when there is none. */
export const extensionOf = (name: string): string =>
  name.includes('.') ? (name.split('.').pop() ?? '').toLowerCase() : '';

/**
 * A file name: trimmed, without folders or control characters. Its raw length is checked first
 * (with `abort`), so neither trimming nor the pattern walks a long string.
 */
const fileName = (message: string, formats: readonly string[], formatMessage: string) =>
  z.string({ error: message }).check(
    z.maxLength(FILE_NAME_MAX * 4, { error: message, abort: true }),
    z.trim(),
    z.minLength(1, { error: message, abort: true }),
    z.maxLength(FILE_NAME_MAX, { error: message, abort: true }),
    z.refine((name: string) => !UNSAFE_NAME.test(name), { error: message, abort: true }),
    z.refine((name: string) => formats.includes(extensionOf(name)), { error: formatMessage }),
  );

const sha256 = (message: string) =>
  z
    .string({ error: message })
    .check(
      z.length(64, { error: message, abort: true }),
      z.toLowerCase(),
      z.regex(SHA256_HEX, { error: message }),
    );

const SCAN_NAME_MESSAGE =
  'Give the file name without folders or control characters, up to 255 characters, e.g. upper-arch.stl.';
const SCAN_SIZE_MESSAGE = 'Give the file size in bytes as a whole number above 0.';

export const DeclareUploadRequestSchema = z.strictObject({
  name: fileName(
    SCAN_NAME_MESSAGE,
    SCAN_FORMATS,
    'Only STL, PLY and OBJ scans are accepted: export the scan in one of those formats.',
  ),
  sizeBytes: z.int({ error: SCAN_SIZE_MESSAGE }).check(
    z.minimum(1, { error: SCAN_SIZE_MESSAGE, abort: true }),
    z.maximum(MAX_FILE_BYTES, {
      error: `Files are limited to ${MAX_FILE_BYTES / 1024 / 1024} MB; decimate the mesh or split the scan.`,
    }),
  ),
  sha256: sha256('Give the SHA-256 of the file as 64 hexadecimal characters (sha256sum prints it).'),
  remake: z.optional(z.boolean({ error: 'Use true or false.' })),
});

export interface DeclareUploadInput {
  readonly name: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly format: FileFormat;
  readonly remake?: true;
}

/** A body that is not an object is read as `{}`: each required field then says what it needs. */
const fieldsOf = (body: unknown): Record<string, unknown> => (isPlainObject(body) ? body : {});

const unknownFieldIssue = (b: Record<string, unknown>, allowed: readonly string[]): FieldIssue[] => {
  const unknown = unknownKeys(b, allowed);
  return unknown.length ? [{ field: unknown.join(', '), message: 'Unknown field: remove it.' }] : [];
};

export const parseDeclareUpload = (body: unknown): DeclareUploadInput => {
  const b = fieldsOf(body);
  const shape = DeclareUploadRequestSchema.def.shape;
  const issues: FieldIssue[] = [];
  const { values } = parseFields(b, shape, issues);
  issues.push(...unknownFieldIssue(b, Object.keys(shape)));
  const { name, sizeBytes, sha256, remake } = values;
  if (issues.length || name === undefined || sizeBytes === undefined || sha256 === undefined) {
    throw new ValidationError(issues);
  }
  return { name, sizeBytes, sha256, format: extensionOf(name) as FileFormat, ...(remake ? { remake } : {}) };
};

const PartSchema = z.object({
  partNumber: z.int().check(z.minimum(1)),
  etag: z.string().check(z.minLength(1), z.maxLength(ETAG_MAX)),
});
const PartListSchema = z.array(PartSchema).check(z.maxLength(MAX_PARTS));

export const PresignPartsRequestSchema = z.object({
  partNumbers: z.optional(z.array(z.int().check(z.minimum(1))).check(z.maxLength(MAX_PART_URLS_PER_REQUEST))),
  completed: z.optional(PartListSchema),
});
export const CompleteUploadRequestSchema = z.object({ parts: z.optional(PartListSchema) });

export interface Part {
  readonly partNumber: number;
  readonly etag: string;
}

/**
 * Parts a client reports uploaded, for a file of `partCount` parts; the first wrong one is
 * named (`completed[3]`).
 */
export const parseParts = (body: unknown, field: 'completed' | 'parts', partCount: number): Part[] => {
  const value = fieldsOf(body)[field];
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new ValidationError([{ field, message: 'Give a list of { partNumber, etag }.' }]);
  }
  // The length first: every entry of a too-long list is not looked at.
  const list = value.length > MAX_PARTS ? value.slice(0, MAX_PARTS + 1) : value;
  return list.map((raw, i) => {
    const part = PartSchema.safeParse(raw);
    if (!part.success || part.data.partNumber > partCount || i >= MAX_PARTS) {
      throw new ValidationError([
        {
          field: `${field}[${i}]`,
          message: `Give partNumber 1–${partCount} and the ETag S3 returned for it.`,
        },
      ]);
    }
    return part.data;
  });
};

/** The part numbers a client asks URLs for; undefined when it asks for none in particular. */
export const parsePartNumbers = (body: unknown, partCount: number): number[] | undefined => {
  const value = fieldsOf(body).partNumbers;
  if (value === undefined) return undefined;
  const parsed = PresignPartsRequestSchema.def.shape.partNumbers.safeParse(value);
  if (!parsed.success || !parsed.data || parsed.data.some((n) => n > partCount)) {
    throw new ValidationError([
      {
        field: 'partNumbers',
        message: `Ask for up to ${MAX_PART_URLS_PER_REQUEST} part numbers from 1 to ${partCount}.`,
      },
    ]);
  }
  return parsed.data;
};

const DESIGN_NAME_MESSAGE =
  'Designs are STL, PLY or OBJ, plus an optional PDF design report; give a file name with one of those extensions.';
const DESIGN_SIZE_MESSAGE = `Give the size in bytes, 1 to ${MAX_OUTPUT_BYTES / 1048576} MB.`;

export const DeclareOutputRequestSchema = z.strictObject({
  name: fileName(DESIGN_NAME_MESSAGE, DESIGN_FORMATS, DESIGN_NAME_MESSAGE),
  sizeBytes: z
    .int({ error: DESIGN_SIZE_MESSAGE })
    .check(
      z.minimum(1, { error: DESIGN_SIZE_MESSAGE }),
      z.maximum(MAX_OUTPUT_BYTES, { error: DESIGN_SIZE_MESSAGE }),
    ),
  sha256: sha256('Give the SHA-256 as 64 hexadecimal characters.'),
});

export interface DeclareOutputInput {
  readonly name: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly format: FileFormat | 'pdf';
}

export const parseDeclareOutput = (body: unknown): DeclareOutputInput => {
  const b = fieldsOf(body);
  const shape = DeclareOutputRequestSchema.def.shape;
  const issues: FieldIssue[] = [];
  const { values } = parseFields(b, shape, issues);
  issues.push(...unknownFieldIssue(b, Object.keys(shape)));
  const { name, sizeBytes, sha256 } = values;
  if (issues.length || name === undefined || sizeBytes === undefined || sha256 === undefined) {
    throw new ValidationError(issues);
  }
  return { name, sizeBytes, sha256, format: extensionOf(name) as FileFormat | 'pdf' };
};
