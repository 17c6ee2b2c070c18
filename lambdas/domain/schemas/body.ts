/**
 * Applying a request schema field by field, so that every problem is reported at once as
 * `{ field, message }` (the ValidationError shape) rather than stopping at the first.
 *
 * Why not one `safeParse` of the whole object: zod skips refinements on an object as soon as
 * any field fails, and reports unknown keys as one issue without the per-route wording a lab
 * needs. Each route keeps its own wording for unknown fields; the field rules live in the
 * schemas (zod/mini, which tree-shakes: the classic API and its locales stay out of bundles).
 *
 * Bounded cost: a schema checks a string's length (with `abort`) before any trim, fold or
 * pattern touches it; the HTTP layer has already capped the whole body.
 */
import type * as z from 'zod/mini';
import type { FieldIssue } from '../../kernel/errors';

export type Shape = Record<string, z.ZodMiniType>;
export type Parsed<S extends Shape> = { -readonly [K in keyof S]?: z.output<S[K]> };

export interface FieldsResult<S extends Shape> {
  /** Fields that parsed; a field that failed or was absent is undefined. */
  readonly values: Parsed<S>;
  /** Fields the caller sent (not undefined; not null when `nullIsAbsent`). */
  readonly present: ReadonlySet<keyof S>;
  /** Fields that were sent (or required) but failed. */
  readonly failed: ReadonlySet<keyof S>;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `items` + `[0, 'teeth']` → `items[0].teeth`. */
export function pathOf(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const segment of path) {
    out +=
      typeof segment === 'number' ? `[${segment}]` : out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Own keys of `raw` that `shape` does not name (an inherited `constructor` is never a field). */
export function unknownKeys(raw: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(raw).filter((key) => !allowed.includes(key));
}

/** Issues of one failed parse as field issues under `field`; the same issue twice is said once. */
export function issuesOf(error: z.core.$ZodError, field: string): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    const next = { field: pathOf(field, issue.path), message: issue.message };
    if (!out.some((f) => f.field === next.field && f.message === next.message)) out.push(next);
  }
  return out;
}

/**
 * Parses each field of `shape` on its own (in the shape's order), pushing its issues. Only own
 * properties are read. With `nullIsAbsent`, `null` counts as not sent.
 */
export function parseFields<S extends Shape>(
  raw: Record<string, unknown>,
  shape: S,
  issues: FieldIssue[],
  options: { readonly prefix?: string; readonly nullIsAbsent?: boolean } = {},
): FieldsResult<S> {
  const prefix = options.prefix ?? '';
  const values: Parsed<S> = {};
  const present = new Set<keyof S>();
  const failed = new Set<keyof S>();
  for (const key of Object.keys(shape) as (keyof S & string)[]) {
    let input = Object.hasOwn(raw, key) ? raw[key] : undefined;
    if (options.nullIsAbsent && input === null) input = undefined;
    if (input !== undefined) present.add(key);
    const result = (shape[key] as z.ZodMiniType).safeParse(input);
    if (result.success) {
      if (result.data !== undefined) values[key] = result.data as Parsed<S>[typeof key];
    } else {
      failed.add(key);
      issues.push(...issuesOf(result.error, pathOf(prefix, [key])));
    }
  }
  return { values, present, failed };
}
