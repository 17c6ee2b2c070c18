/**
 * A lab's "create order" request: validation, normalisation, PHI screen.
 *
 * `parseCreateOrder(body)` returns the normalised input or throws one ValidationError listing
 * every problem at once, each as `{ field, message }` with a path such as `items[0].teeth[1]`.
 *
 * The wire shape is `CreateOrderRequestSchema` (zod). It is applied field by field rather than
 * in one `safeParse`, because zod skips cross-field rules as soon as any field fails: a lab
 * fixing a misspelt material would then discover, on the next attempt, that its bridge was
 * also one tooth short. Here each item's rules (teeth, arch, material, shade against the
 * restoration type) run on whichever of its fields did parse.
 *
 * Bounded cost: every free-text field's length is checked before the PHI screen reads it (a
 * field over its limit gets its "too long" issue and only its first characters, up to the
 * limit, are screened),
 * and unknown fields are reported at most MAX_UNKNOWN_FIELD_ISSUES times. The HTTP layer has
 * already capped the whole body (runtime/http.ts).
 *
 * Normalised form: strings trimmed (runs of spaces in patientRef folded to one), teeth in FDI
 * and chart order, type/material as catalog ids, shade as its canonical code, defaults filled
 * in, `null` for an optional field treated as absent, empty notes dropped.
 */
import * as z from 'zod/mini';
import { type FieldIssue, ValidationError } from '../kernel/errors';
import {
  ARCH_SELECTIONS,
  type ArchSelection,
  findMaterial,
  findRestorationType,
  MATERIALS,
  type MaterialId,
  parseShade,
  RESTORATION_TYPES,
  RESTORATIONS,
  type RestorationType,
} from './catalog';
import { screenCaseRef, screenFreeText, screenPatientRef } from './phi-screen';
import { isPlainObject, parseFields, pathOf, type Shape, unknownKeys } from './schemas/body';
import {
  archOf,
  type FdiTooth,
  formatTooth,
  isPrimaryTooth,
  parseTeeth,
  TOOTH_NUMBERINGS,
  type ToothNumbering,
} from './teeth';
import { TURNAROUNDS, type Turnaround } from './turnaround';

export const MAX_ITEMS = 16;
export const MAX_TEETH_PER_ITEM = 32;
export const MAX_ORDER_NOTES = 2000;
export const MAX_ITEM_NOTES = 500;
export const CASE_REF_MAX = 64;
export const PATIENT_REF_MAX = 32;
/** A body with thousands of stray keys gets this many issues, not thousands. */
export const MAX_UNKNOWN_FIELD_ISSUES = 10;

/**
 * The text the screen may read: at most the first `max` characters of the field as it would be
 * stored. Longer text fails its length rule anyway; screening its head still tells the lab about
 * a name in it in the same answer, and the screen's cost stays bounded by the limits whatever
 * was sent. (Trimming and folding spaces are single linear passes.)
 */
function screenable(value: unknown, max: number, fold = false): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.slice(0, rawMax(max)).trim();
  return (fold ? trimmed.replace(/\s+/g, ' ') : trimmed).slice(0, max);
}

/**
 * The most raw characters a field of `max` characters may arrive as (spaces around it, runs of
 * spaces inside patientRef). Checked first, with `abort`, so that nothing (trimming, folding,
 * format patterns) ever walks a megabyte-long string: that costs seconds even when linear.
 */
function rawMax(max: number): number {
  return max * 4;
}

// --- stored shape --------------------------------------------------------------------------

export interface OrderItemInput {
  readonly type: RestorationType;
  /** FDI numbers in chart order; empty when the item is described by its arch only. */
  readonly teeth: readonly FdiTooth[];
  /** Always set for types that take an arch (inferred from the teeth when the lab gave only teeth); absent otherwise. */
  readonly arch?: ArchSelection;
  readonly material: MaterialId;
  /**
   * Canonical shade code: VITA Classical ("A3.5") or VITA 3D-Master ("2L1.5"). A string, not
   * `{ system, code }`, because the code alone names its system (Classical codes start with a
   * letter, 3D-Master codes with a digit; `parseShade(code).shade.system` recovers it).
   */
  readonly shade?: string;
  readonly notes?: string;
}

export interface CreateOrderInput {
  readonly caseRef: string;
  readonly patientRef: string;
  readonly items: readonly OrderItemInput[];
  /** The system the lab wrote teeth in; kept so that teeth can be shown back to the lab in it. */
  readonly toothNumbering: ToothNumbering;
  readonly turnaround: Turnaround;
  readonly notes?: string;
  /** The lab confirms this repeats an earlier case on purpose; false when not sent. */
  readonly remake: boolean;
}

// --- field schemas -----------------------------------------------------------------------

const list = (values: readonly string[]) => values.map((v) => `"${v}"`).join(', ');

/** A type error message that says "required" when the field is missing. */
const typeError = (missing: string, wrongType: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? missing : wrongType;

const CASE_REF_PATTERN = /^[A-Za-z0-9._/-]+$/;

const CaseRefSchema = z
  .string({
    error: typeError('Add caseRef: your lab\'s case number, e.g. "2024-0173"', 'caseRef must be text'),
  })
  .check(
    z.maxLength(rawMax(CASE_REF_MAX), {
      error: `caseRef is too long; use at most ${CASE_REF_MAX} characters`,
      abort: true,
    }),
    z.trim(),
    z.minLength(1, {
      error: 'caseRef is empty; give your lab\'s case number, e.g. "2024-0173"',
      abort: true,
    }),
    z.maxLength(CASE_REF_MAX, { error: `caseRef is too long; use at most ${CASE_REF_MAX} characters` }),
    z.regex(CASE_REF_PATTERN, {
      error:
        "caseRef may contain only letters, digits, '-', '_', '/' and '.' (no spaces); e.g. \"2024-0173\"",
    }),
  );

const PATIENT_REF_TOO_LONG = `patientRef is too long; use at most ${PATIENT_REF_MAX} characters: initials or a short code, not a name`;
const PatientRefSchema = z
  .string({
    error: typeError(
      "Add patientRef: the patient's initials (e.g. J.D.) or your lab's pseudonymous patient code (e.g. PT-00123)",
      'patientRef must be text',
    ),
  })
  .check(
    z.maxLength(rawMax(PATIENT_REF_MAX), { error: PATIENT_REF_TOO_LONG, abort: true }),
    z.trim(),
    z.overwrite((s: string) => s.replace(/\s+/g, ' ')),
    z.minLength(1, {
      error: "patientRef is empty; give the patient's initials (e.g. J.D.) or a pseudonymous code",
      abort: true,
    }),
    z.maxLength(PATIENT_REF_MAX, { error: PATIENT_REF_TOO_LONG }),
    z.regex(/^[\p{L}\p{N} ._#/-]+$/u, {
      error: "patientRef may contain only letters, digits, spaces and '.', '-', '_', '#', '/'",
    }),
  );

const ToothNumberingSchema = z._default(
  z.enum(TOOTH_NUMBERINGS, { error: `toothNumbering must be one of ${list(TOOTH_NUMBERINGS)}` }),
  'FDI',
);

const TurnaroundSchema = z._default(
  z.enum(TURNAROUNDS, { error: `turnaround must be one of ${list(TURNAROUNDS)}` }),
  'standard',
);

const notesSchema = (max: number) =>
  z.optional(
    z.pipe(
      z.string({ error: 'notes must be text' }).check(
        z.maxLength(rawMax(max), {
          error: `notes are too long; use at most ${max} characters`,
          abort: true,
        }),
        z.trim(),
        z.maxLength(max, { error: `notes are too long; use at most ${max} characters` }),
      ),
      z.transform((s: string) => (s === '' ? undefined : s)),
    ),
  );

const RemakeSchema = z._default(
  z.boolean({
    error: 'remake must be true or false (true confirms this order deliberately repeats an earlier case)',
  }),
  false,
);

/** A string looked up in a table; `message` when it is not there. */
const lookup = <T>(base: z.ZodMiniString<string>, find: (raw: string) => T | undefined, message: string) =>
  z.pipe(
    base,
    z.transform((raw: string, ctx): T => {
      const found = find(raw);
      if (found !== undefined) return found;
      ctx.issues.push({ code: 'custom', input: raw, message });
      return z.NEVER;
    }),
  );

const RestorationTypeSchema = lookup(
  z.string({ error: typeError(`Add type: one of ${list(RESTORATION_TYPES)}`, 'type must be text') }),
  findRestorationType,
  `Unknown restoration type; use one of ${list(RESTORATION_TYPES)}`,
);

const TeethSchema = z.optional(
  z
    .array(
      z.union([z.string(), z.number()], {
        error: 'Each tooth must be a number (e.g. 36) or a string (e.g. "36", "#3", "A")',
      }),
      { error: 'teeth must be a list of tooth numbers, e.g. [36] or [14, 15, 16]' },
    )
    .check(
      z.minLength(1, { error: 'teeth is empty; list the tooth numbers, e.g. [36], or leave teeth out' }),
      z.maxLength(MAX_TEETH_PER_ITEM, { error: `teeth lists at most ${MAX_TEETH_PER_ITEM} teeth` }),
    ),
);

const ARCH_ALIASES = new Map<string, ArchSelection>([
  ['upper', 'upper'],
  ['maxilla', 'upper'],
  ['maxillary', 'upper'],
  ['lower', 'lower'],
  ['mandible', 'lower'],
  ['mandibular', 'lower'],
  ['both', 'both'],
]);

const ArchSchema = z.optional(
  lookup(
    z.string({ error: 'arch must be "upper", "lower" or "both"' }),
    (raw) => ARCH_ALIASES.get(raw.trim().toLowerCase()),
    `arch must be one of ${list(ARCH_SELECTIONS)}`,
  ),
);

const MaterialSchema = lookup(
  z.string({
    error: typeError('Add material, e.g. "zirconia" or "lithium-disilicate"', 'material must be text'),
  }),
  findMaterial,
  `Unknown material; use one of ${list(Object.keys(MATERIALS))}`,
);

const ShadeSchema = z.optional(
  z.pipe(
    z.string({ error: 'shade must be text, e.g. "A2" or "2M2"' }),
    z.transform((raw: string, ctx): string => {
      const result = parseShade(raw);
      if (result.ok) return result.shade.code;
      ctx.issues.push({ code: 'custom', input: raw, message: result.message });
      return z.NEVER;
    }),
  ),
);

const ITEM_FIELDS = {
  type: RestorationTypeSchema,
  teeth: TeethSchema,
  arch: ArchSchema,
  material: MaterialSchema,
  shade: ShadeSchema,
  notes: notesSchema(MAX_ITEM_NOTES),
};

const ORDER_FIELDS = {
  caseRef: CaseRefSchema,
  patientRef: PatientRefSchema,
  toothNumbering: ToothNumberingSchema,
  turnaround: TurnaroundSchema,
  notes: notesSchema(MAX_ORDER_NOTES),
  remake: RemakeSchema,
};

const ItemListSchema = z
  .array(z.unknown(), { error: 'Add items: a list of 1 to 16 restorations, e.g. [{ "type": "crown", … }]' })
  .check(
    z.minLength(1, { error: 'items is empty; add at least one restoration' }),
    z.maxLength(MAX_ITEMS, {
      error: `An order holds at most ${MAX_ITEMS} items; split the case into several orders`,
    }),
  );

export const OrderItemRequestSchema = z.strictObject(ITEM_FIELDS);

/**
 * The wire shape of a create-order request, field rules only (no cross-field rules, no PHI
 * screen). parseCreateOrder applies the same field schemas; this composed object is for
 * request typing (`CreateOrderRequest`) and documentation (`z.toJSONSchema`, scripts/openapi.ts).
 */
export const CreateOrderRequestSchema = z.strictObject({
  ...ORDER_FIELDS,
  items: z.array(OrderItemRequestSchema).check(z.minLength(1), z.maxLength(MAX_ITEMS)),
});

export type CreateOrderRequest = z.input<typeof CreateOrderRequestSchema>;
export type OrderItemRequest = z.input<typeof OrderItemRequestSchema>;

// --- field-by-field parsing --------------------------------------------------------------

/** Field names that, sent by mistake, suggest someone is trying to send patient identity. */
const PHI_FIELD_NAME = /name|dob|birth|ssn|social|phone|mobile|email|e-mail|address|street|zip/i;

function unknownFieldIssue(prefix: string, key: string, allowed: readonly string[]): FieldIssue {
  const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
  const hint = PHI_FIELD_NAME.test(shown)
    ? ' Caseline does not accept patient names or contact details; identify the patient only through patientRef.'
    : '';
  return {
    field: pathOf(prefix, [key]),
    message: `Unknown field "${shown}": remove it. Allowed fields: ${allowed.join(', ')}.${hint}`,
  };
}

/**
 * Parses each field of `shape` on its own (null is absent) and reports keys outside `allowed`,
 * which may name keys the caller parses itself (the order's `items`).
 */
function parseShape<S extends Shape>(
  raw: Record<string, unknown>,
  shape: S,
  prefix: string,
  issues: FieldIssue[],
  allowed: readonly string[] = Object.keys(shape),
) {
  const unknown = unknownKeys(raw, allowed);
  for (const key of unknown.slice(0, MAX_UNKNOWN_FIELD_ISSUES)) {
    issues.push(unknownFieldIssue(prefix, key, allowed));
  }
  if (unknown.length > MAX_UNKNOWN_FIELD_ISSUES) {
    issues.push({
      field: prefix || 'body',
      message: `${unknown.length - MAX_UNKNOWN_FIELD_ISSUES} more unknown fields; send only ${allowed.join(', ')}.`,
    });
  }
  return parseFields(raw, shape, issues, { prefix, nullIsAbsent: true });
}

// --- item rules --------------------------------------------------------------------------

function article(label: string): string {
  return /^[aeiou]/i.test(label) ? `An ${label}` : `A ${label}`;
}

/**
 * Applies the catalog rules of the item's type to whatever fields parsed. Returns the
 * normalised item only when the item has no problem at all.
 */
function checkItem(
  raw: unknown,
  index: number,
  numbering: ToothNumbering | undefined,
  issues: FieldIssue[],
): OrderItemInput | undefined {
  const at = `items[${index}]`;
  if (!isPlainObject(raw)) {
    issues.push({
      field: at,
      message: 'Each item must be an object, e.g. { "type": "crown", "teeth": [36], … }',
    });
    return undefined;
  }
  const before = issues.length;
  const { values, present, failed } = parseShape(raw, ITEM_FIELDS, at, issues);
  const { type, material, shade, notes } = values;
  let arch = values.arch;

  let teeth: readonly FdiTooth[] | undefined;
  if (values.teeth && numbering) {
    const parsed = parseTeeth({ system: numbering, teeth: values.teeth }, `${at}.teeth`);
    if (parsed.ok) teeth = parsed.teeth;
    else issues.push(...parsed.issues);
  }

  if (type) {
    const rule = RESTORATIONS[type];
    const name = article(rule.label);

    if (rule.teeth === 'required' && !present.has('teeth')) {
      issues.push({
        field: `${at}.teeth`,
        message: `${name} needs teeth: list the tooth numbers it is for, e.g. ${rule.minTeeth > 1 ? '[14, 15, 16]' : '[36]'}`,
      });
    }
    if (rule.teeth === 'forbidden' && present.has('teeth')) {
      issues.push({
        field: `${at}.teeth`,
        message: `${name} covers a whole arch: remove teeth and set arch to ${list(rule.arches)}`,
      });
    }
    if (teeth && rule.teeth !== 'forbidden') {
      if (teeth.length < rule.minTeeth) {
        issues.push({
          field: `${at}.teeth`,
          message: `${name} needs at least ${rule.minTeeth} teeth (abutments and pontics), e.g. [14, 15, 16]`,
        });
      }
      // With an explicit arch, the check against that arch below says more precisely what is wrong.
      if (rule.singleArch && !present.has('arch') && new Set(teeth.map(archOf)).size > 1) {
        issues.push({
          field: `${at}.teeth`,
          message: `${name} cannot span the upper and lower arch; make one item per arch`,
        });
      }
      if (!rule.primaryTeeth) {
        const primary = teeth.filter(isPrimaryTooth).map((t) => formatTooth(t, numbering ?? 'FDI'));
        if (primary.length > 0) {
          issues.push({
            field: `${at}.teeth`,
            message: `${name} needs permanent teeth; ${primary.join(', ')} ${primary.length > 1 ? 'are primary teeth' : 'is a primary tooth'}`,
          });
        }
      }
    }

    if (rule.arch === 'forbidden' && present.has('arch')) {
      issues.push({
        field: `${at}.arch`,
        message: `${name} is placed on teeth, not on an arch: remove arch`,
      });
    }
    if (rule.arch === 'required' && !present.has('arch')) {
      issues.push({ field: `${at}.arch`, message: `${name} needs arch: one of ${list(rule.arches)}` });
    }
    if (rule.arch === 'required-or-teeth' && !present.has('arch') && !present.has('teeth')) {
      issues.push({
        field: `${at}.arch`,
        message: `${name} needs arch (${list(rule.arches)}), or the tooth positions in teeth`,
      });
    }
    if (arch && rule.arch !== 'forbidden' && !rule.arches.includes(arch)) {
      issues.push({
        field: `${at}.arch`,
        message: `${name} takes one arch: use ${list(rule.arches)}, and one item per arch`,
      });
    }
    if (rule.arch === 'required-or-teeth' && !arch && !present.has('arch') && teeth && teeth.length > 0) {
      // Inferred; a mixed-arch list has been reported above (singleArch).
      const arches = new Set(teeth.map(archOf));
      if (arches.size === 1) arch = [...arches][0];
    }
    if (arch && arch !== 'both' && teeth && rule.teeth !== 'forbidden' && rule.arch !== 'forbidden') {
      const outside = teeth.filter((t) => archOf(t) !== arch).map((t) => formatTooth(t, numbering ?? 'FDI'));
      if (outside.length > 0) {
        issues.push({
          field: `${at}.teeth`,
          message: `${outside.join(', ')} ${outside.length > 1 ? 'are not' : 'is not'} in the ${arch} arch given in arch; correct the teeth or the arch`,
        });
      }
    }

    if (material && !rule.materials.includes(material)) {
      issues.push({
        field: `${at}.material`,
        message: `${MATERIALS[material].label} is not offered for ${article(rule.label).toLowerCase()}; use one of ${list(rule.materials)}`,
      });
    }
    if (rule.shade === 'none' && present.has('shade')) {
      issues.push({ field: `${at}.shade`, message: `${name} has no shade: remove shade` });
    }
    if (
      rule.shade === 'tooth-coloured' &&
      material &&
      MATERIALS[material].toothColoured &&
      !present.has('shade') &&
      rule.materials.includes(material)
    ) {
      issues.push({
        field: `${at}.shade`,
        message: `${name} in ${MATERIALS[material].label.toLowerCase()} is tooth-coloured and needs a shade, e.g. "A2" (VITA Classical) or "2M2" (VITA 3D-Master)`,
      });
    }
  }

  if (issues.length > before || !type || !material || failed.size > 0) return undefined;
  return {
    type,
    teeth: teeth ?? [],
    ...(arch ? { arch } : {}),
    material,
    ...(shade ? { shade } : {}),
    ...(notes ? { notes } : {}),
  };
}

/** The same tooth twice under the same restoration type (two crowns on 36) is a typing mistake. */
function checkRepeatedTeeth(
  items: readonly (OrderItemInput | undefined)[],
  numbering: ToothNumbering,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const firstSeen = new Map<string, number>();
  items.forEach((item, index) => {
    if (!item) return;
    for (const tooth of item.teeth) {
      const key = `${item.type}#${tooth}`;
      const earlier = firstSeen.get(key);
      if (earlier === undefined) {
        firstSeen.set(key, index);
      } else {
        issues.push({
          field: `items[${index}].teeth`,
          message: `Tooth ${formatTooth(tooth, numbering)} already has ${article(RESTORATIONS[item.type].label).toLowerCase()} in items[${earlier}]; list each tooth once per restoration type`,
        });
      }
    }
  });
  return issues;
}

// --- entry point -------------------------------------------------------------------------

const ORDER_FIELD_NAMES = [
  'caseRef',
  'patientRef',
  'items',
  'toothNumbering',
  'turnaround',
  'notes',
  'remake',
];

export function parseCreateOrder(body: unknown): CreateOrderInput {
  if (!isPlainObject(body)) {
    throw new ValidationError([
      { field: 'body', message: 'The request body must be a JSON object with caseRef, patientRef and items' },
    ]);
  }
  const issues: FieldIssue[] = [];
  const { values, failed } = parseShape(body, ORDER_FIELDS, '', issues, ORDER_FIELD_NAMES);

  // PHI screen on what the lab sent, even when the field failed its format rules (a malformed
  // patientRef is more likely, not less, to hold a name), but never past the length limits,
  // which parseShape has just reported on: the screen's cost is bounded by them.
  const caseRef = screenable(body.caseRef, CASE_REF_MAX);
  const patientRef = screenable(body.patientRef, PATIENT_REF_MAX, true);
  const orderNotes = screenable(body.notes, MAX_ORDER_NOTES);
  if (caseRef !== undefined) issues.push(...screenCaseRef(caseRef));
  if (patientRef !== undefined) issues.push(...screenPatientRef(patientRef));
  if (orderNotes !== undefined) issues.push(...screenFreeText('notes', orderNotes));

  // A bad toothNumbering is reported once, above; teeth are then not interpreted at all.
  const numbering = failed.has('toothNumbering') ? undefined : (values.toothNumbering ?? 'FDI');

  const itemList = ItemListSchema.safeParse(body.items ?? undefined);
  let items: (OrderItemInput | undefined)[] = [];
  if (itemList.success) {
    items = itemList.data.map((raw, i) => {
      const item = checkItem(raw, i, numbering, issues);
      const itemNotes = isPlainObject(raw) ? screenable(raw.notes, MAX_ITEM_NOTES) : undefined;
      if (itemNotes !== undefined) issues.push(...screenFreeText(`items[${i}].notes`, itemNotes));
      return item;
    });
    if (numbering) issues.push(...checkRepeatedTeeth(items, numbering));
  } else {
    for (const issue of itemList.error.issues)
      issues.push({ field: pathOf('items', issue.path), message: issue.message });
  }

  const { toothNumbering, turnaround, notes, remake } = values;
  if (issues.length > 0 || !values.caseRef || !values.patientRef || !toothNumbering || !turnaround) {
    throw new ValidationError(issues);
  }
  return {
    caseRef: values.caseRef,
    patientRef: values.patientRef,
    items: items.filter((item): item is OrderItemInput => item !== undefined),
    toothNumbering,
    turnaround,
    ...(notes ? { notes } : {}),
    remake: remake ?? false,
  };
}
