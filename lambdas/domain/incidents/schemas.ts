/**
 * Request bodies of the incident routes (zod/mini, like every other route's): a person's report,
 * the officer's triage, notice edits, containment and closing. Every free-text field is bounded
 * before it is screened for PHI, with the same screen as order notes.
 */
import * as z from 'zod/mini';
import { type FieldIssue, ValidationError } from '../../kernel/errors';
import { screenFreeText } from '../phi-screen';
import { isPlainObject, parseFields, unknownKeys } from '../schemas/body';

export const REPORT_CATEGORIES = [
  'wrong-case-downloaded',
  'device-lost-or-stolen',
  'sent-to-wrong-recipient',
  'unauthorized-access',
  'credentials-exposed',
  'other',
] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];

export const DESCRIPTION_MAX = 2000;
export const REPORT_ORDERS_MAX = 50;
/** The officer's free text (assessment factors, notice paragraphs, the closing summary). */
export const TEXT_MAX = 4000;

const ORDER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const text = (max: number, what: string) => {
  const message = `${what} in 1 to ${max} characters, without names, dates of birth or contact details of patients.`;
  return z
    .string({ error: message })
    .check(
      z.maxLength(max * 4, { error: message, abort: true }),
      z.trim(),
      z.minLength(1, { error: message }),
      z.maxLength(max, { error: message }),
    );
};

export const ReportIncidentRequestSchema = z.strictObject({
  category: z.enum(REPORT_CATEGORIES, { error: `Use one of ${REPORT_CATEGORIES.join(', ')}.` }),
  description: text(DESCRIPTION_MAX, 'Describe what happened'),
  orderIds: z.optional(
    z
      .array(
        z
          .string({ error: 'An order id as the API returned it.' })
          .check(
            z.maxLength(64, { error: 'An order id as the API returned it.', abort: true }),
            z.regex(ORDER_ID, { error: 'An order id as the API returned it.' }),
          ),
        { error: `A list of at most ${REPORT_ORDERS_MAX} order ids.` },
      )
      .check(
        z.maxLength(REPORT_ORDERS_MAX, { error: `At most ${REPORT_ORDERS_MAX} order ids.`, abort: true }),
      ),
  ),
});

export interface ReportInput {
  readonly category: ReportCategory;
  readonly description: string;
  readonly orderIds: readonly string[];
}

/** Applies a shape field by field; free-text fields (named) are screened once they passed their length. */
const parseScreened = <S extends Record<string, z.ZodMiniType>>(
  body: unknown,
  shape: S,
  screened: readonly (keyof S & string)[],
  extra: (values: Record<string, unknown>, issues: FieldIssue[]) => void = () => undefined,
) => {
  if (!isPlainObject(body))
    throw new ValidationError([
      { field: 'body', message: `Send a JSON object with ${Object.keys(shape).join(', ')}.` },
    ]);
  const issues: FieldIssue[] = [];
  const { values } = parseFields(body, shape, issues);
  for (const field of screened) {
    const value = (values as Record<string, unknown>)[field];
    if (typeof value === 'string') issues.push(...screenFreeText(field, value));
  }
  extra(values as Record<string, unknown>, issues);
  const unknown = unknownKeys(body, Object.keys(shape));
  if (unknown.length) issues.push({ field: unknown.join(', '), message: 'Unknown field: remove it.' });
  if (issues.length) throw new ValidationError(issues);
  return values;
};

export const parseReport = (body: unknown): ReportInput => {
  const v = parseScreened(body, ReportIncidentRequestSchema.def.shape, ['description'], (values, issues) => {
    if (values.category === undefined && !issues.some((i) => i.field === 'category'))
      issues.push({ field: 'category', message: `Use one of ${REPORT_CATEGORIES.join(', ')}.` });
    if (values.description === undefined && !issues.some((i) => i.field === 'description'))
      issues.push({ field: 'description', message: 'Describe what happened.' });
  });
  return {
    category: v.category as ReportCategory,
    description: v.description as string,
    orderIds: [...new Set(v.orderIds ?? [])],
  };
};

// ---------------------------------------------------------------- triage

export const TriageRequestSchema = z.strictObject({
  decision: z.enum(['confirmed', 'not-a-breach'], { error: 'Use confirmed or not-a-breach.' }),
  natureAndExtent: z.optional(text(TEXT_MAX, 'Factor 1: the nature and extent of the PHI involved')),
  unauthorizedPerson: z.optional(text(TEXT_MAX, 'Factor 2: who used or received it')),
  acquiredOrViewed: z.optional(text(TEXT_MAX, 'Factor 3: whether it was acquired or viewed')),
  mitigation: z.optional(text(TEXT_MAX, 'Factor 4: how far the risk was mitigated')),
  safeHarbour: z.optional(text(TEXT_MAX, 'The safe-harbour reasoning')),
});
const FACTORS = [
  'natureAndExtent',
  'unauthorizedPerson',
  'acquiredOrViewed',
  'mitigation',
  'safeHarbour',
] as const;

export type TriageInput =
  | { readonly decision: 'confirmed' }
  | {
      readonly decision: 'not-a-breach';
      readonly assessment: Readonly<Record<(typeof FACTORS)[number], string>>;
    };

/** `not-a-breach` needs the whole four-factor assessment and the safe-harbour reasoning (164.402(2)). */
export const parseTriage = (body: unknown): TriageInput => {
  const v = parseScreened(body, TriageRequestSchema.def.shape, [...FACTORS], (values, issues) => {
    if (values.decision === undefined && !issues.some((i) => i.field === 'decision'))
      issues.push({ field: 'decision', message: 'Use confirmed or not-a-breach.' });
    if (values.decision === 'not-a-breach')
      for (const f of FACTORS)
        if (values[f] === undefined && !issues.some((i) => i.field === f))
          issues.push({ field: f, message: 'Required to conclude there is no breach (HIPAA 164.402(2)).' });
    if (values.decision === 'confirmed')
      for (const f of FACTORS)
        if (values[f] !== undefined) issues.push({ field: f, message: 'Only with not-a-breach: remove it.' });
  });
  if (v.decision === 'confirmed') return { decision: 'confirmed' };
  return {
    decision: 'not-a-breach',
    assessment: Object.fromEntries(FACTORS.map((f) => [f, v[f] as string])) as Record<
      (typeof FACTORS)[number],
      string
    >,
  };
};

// ---------------------------------------------------------------- notices, close, containment

export const EditNoticeRequestSchema = z.strictObject({
  nature: z.optional(text(TEXT_MAX, 'The nature of the breach')),
  likelyConsequences: z.optional(text(TEXT_MAX, 'The likely consequences')),
  measuresTaken: z.optional(text(TEXT_MAX, 'The measures taken')),
  measuresProposed: z.optional(text(TEXT_MAX, 'The measures proposed')),
  whatTheLabShouldDo: z.optional(text(TEXT_MAX, 'What the lab should do')),
});
const NOTICE_FIELDS = Object.keys(
  EditNoticeRequestSchema.def.shape,
) as (keyof typeof EditNoticeRequestSchema.def.shape)[];

export type NoticeEdit = Partial<Record<(typeof NOTICE_FIELDS)[number], string>>;

export const parseNoticeEdit = (body: unknown): NoticeEdit => {
  const v = parseScreened(body, EditNoticeRequestSchema.def.shape, NOTICE_FIELDS, (values, issues) => {
    if (!issues.length && NOTICE_FIELDS.every((f) => values[f] === undefined))
      issues.push({ field: 'body', message: `Change at least one of ${NOTICE_FIELDS.join(', ')}.` });
  });
  return Object.fromEntries(NOTICE_FIELDS.flatMap((f) => (v[f] === undefined ? [] : [[f, v[f] as string]])));
};

export const CloseIncidentRequestSchema = z.strictObject({
  summary: text(TEXT_MAX, 'The closing summary'),
});

export const parseClose = (body: unknown): { summary: string } => {
  const v = parseScreened(body, CloseIncidentRequestSchema.def.shape, ['summary'], (values, issues) => {
    if (values.summary === undefined && !issues.some((i) => i.field === 'summary'))
      issues.push({ field: 'summary', message: 'Say how the incident ended.' });
  });
  return { summary: v.summary as string };
};

export const ContainmentRequestSchema = z.strictObject({
  actorSub: z.string({ error: "The actor's id (sub) as the incident names it." }).check(
    z.maxLength(128, { error: "The actor's id (sub) as the incident names it.", abort: true }),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$/, {
      error: "The actor's id (sub) as the incident names it.",
    }),
  ),
});

export const parseContainment = (body: unknown): { actorSub: string } => {
  const v = parseScreened(body, ContainmentRequestSchema.def.shape, [], (values, issues) => {
    if (values.actorSub === undefined && !issues.some((i) => i.field === 'actorSub'))
      issues.push({ field: 'actorSub', message: "The actor's id (sub) as the incident names it." });
  });
  return { actorSub: v.actorSub as string };
};
