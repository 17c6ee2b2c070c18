/**
 * Request bodies an operator or a lab sends to decide something: a revision request
 * (POST /orders/{orderId}/revisions) and an account's policy (PUT /accounts/{accountId}/policy).
 */
import * as z from 'zod/mini';
import { type FieldIssue, ValidationError } from '../../kernel/errors';
import { screenFreeText } from '../phi-screen';
import { isPlainObject, parseFields, unknownKeys } from './body';

export const REVISION_REASONS = [
  'fit-margins',
  'contacts',
  'occlusion',
  'anatomy',
  'shade-material',
  'wrong-tooth',
  'other',
] as const;
export type RevisionReason = (typeof REVISION_REASONS)[number];
export const REVISION_COMMENT_MAX = 2000;

const COMMENT_MESSAGE = `Describe what to change in up to ${REVISION_COMMENT_MAX} characters.`;

export const RevisionRequestSchema = z.strictObject({
  reason: z.enum(REVISION_REASONS, { error: `Use one of ${REVISION_REASONS.join(', ')}.` }),
  comment: z.optional(
    z
      .string({ error: COMMENT_MESSAGE })
      .check(
        z.maxLength(REVISION_COMMENT_MAX * 4, { error: COMMENT_MESSAGE, abort: true }),
        z.trim(),
        z.maxLength(REVISION_COMMENT_MAX, { error: COMMENT_MESSAGE }),
      ),
  ),
});

export interface RevisionInput {
  readonly reason: RevisionReason;
  /** Trimmed, screened for PHI; absent when empty. */
  readonly comment?: string;
}

/** Validates a revision request; the comment is screened for PHI once it has passed its length. */
export const parseRevisionRequest = (body: unknown): RevisionInput => {
  const b = isPlainObject(body) ? body : {};
  const shape = RevisionRequestSchema.def.shape;
  const issues: FieldIssue[] = [];
  const { values, failed } = parseFields(b, shape, issues);
  const { reason, comment } = values;
  if (comment) issues.push(...screenFreeText('comment', comment));
  if (reason === 'other' && !comment && !failed.has('comment'))
    issues.push({ field: 'comment', message: 'Say what to change when the reason is "other".' });
  const unknown = unknownKeys(b, Object.keys(shape));
  if (unknown.length) issues.push({ field: unknown.join(', '), message: 'Unknown field: remove it.' });
  if (issues.length || reason === undefined) throw new ValidationError(issues);
  return { reason, ...(comment ? { comment } : {}) };
};

const days = (min: number, max: number, message: string) =>
  z.optional(
    z.int({ error: message }).check(z.minimum(min, { error: message }), z.maximum(max, { error: message })),
  );

export const AccountPolicyRequestSchema = z.strictObject({
  retentionDays: days(30, 7300, 'Keep archived cases 30 to 7300 days (20 years).'),
  autoAcceptDays: days(1, 60, 'Accept undecided deliveries after 1 to 60 days.'),
  deletionGraceDays: days(0, 90, 'Wait 0 to 90 days before a requested deletion is carried out.'),
});
export type AccountPolicyChanges = z.output<typeof AccountPolicyRequestSchema>;

/** Validates a policy change: any of the three settings; the others keep their value. */
export const parseAccountPolicy = (body: unknown): AccountPolicyChanges => {
  const shape = AccountPolicyRequestSchema.def.shape;
  const fields = Object.keys(shape);
  if (!isPlainObject(body))
    throw new ValidationError([{ field: 'body', message: `Send a JSON object with ${fields.join(', ')}.` }]);
  const issues: FieldIssue[] = [];
  // Own properties only: `constructor`, `toString` or `__proto__` are unknown fields, not
  // something inherited that an `in` check would let through.
  const { values } = parseFields(body, shape, issues);
  const unknown = unknownKeys(body, fields);
  if (unknown.length)
    issues.push({
      field: unknown.join(', ').slice(0, 200),
      message: `Unknown field: use ${fields.join(', ')}.`,
    });
  if (issues.length) throw new ValidationError(issues);
  return values;
};
