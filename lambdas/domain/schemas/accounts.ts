/**
 * Request bodies of the account registry: onboarding a partner (POST /accounts), changing it
 * (PATCH /accounts/{accountId}) and inviting a user (POST /accounts/{accountId}/users).
 *
 * Contacts' and users' names, e-mail addresses and phone numbers are personal data (not PHI):
 * they are validated here and never echoed in an error message (messages name the field only).
 * Every string is length-checked (with `abort`) before a trim or a pattern reads it; every
 * pattern is anchored and linear.
 */
import * as z from 'zod/mini';
import { type FieldIssue, ValidationError } from '../../kernel/errors';
import { isPlainObject, parseFields, unknownKeys } from './body';
import { AccountPolicyRequestSchema } from './decisions';

export const ACCOUNT_STATUSES = ['ONBOARDING', 'ACTIVE', 'SUSPENDED', 'TERMINATING', 'TERMINATED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** The kinds of notice a security contact can receive. */
export const NOTICE_KINDS = [
  'breach',
  'security-incident',
  'sub-processor-change',
  'termination',
  'audit',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** What a partner's own users may be: a lab user, or the partner's administrator. */
export const LAB_USER_ROLES = ['lab', 'lab-admin'] as const;
export type LabUserRole = (typeof LAB_USER_ROLES)[number];

export const ACCOUNT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** Local part and domain labels without dots in the repeated group: no overlapping repetition. */
const EMAIL_PATTERN = /^[^\s@]{1,64}@[^\s@.]{1,63}(?:\.[^\s@.]{1,63}){1,8}$/;
/** E.164: a plus, then 7 to 15 digits. */
const PHONE_PATTERN = /^\+[1-9][0-9]{6,14}$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

const text = (max: number, message: string) =>
  z
    .string({ error: message })
    .check(
      z.maxLength(max * 4, { error: message, abort: true }),
      z.trim(),
      z.minLength(1, { error: message }),
      z.maxLength(max, { error: message }),
    );

const patterned = (max: number, pattern: RegExp, message: string) =>
  z
    .string({ error: message })
    .check(z.maxLength(max, { error: message, abort: true }), z.regex(pattern, { error: message }));

/** A calendar date (YYYY-MM-DD) that exists. */
const date = (message: string) =>
  patterned(10, DATE_PATTERN, message).check(
    z.refine(
      (v) =>
        !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
      {
        error: message,
      },
    ),
  );

export const BREACH_NOTICE_DEFAULT_HOURS = 24;

export const BaaSchema = z.strictObject({
  signedAt: date('The date the BAA was signed, as YYYY-MM-DD.'),
  version: patterned(
    32,
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/,
    'The BAA version: 1 to 32 letters, digits, ".", "_" or "-", e.g. 2026.1.',
  ),
  effectiveAt: date('The date the BAA takes effect, as YYYY-MM-DD (on or after signedAt).'),
  breachNoticeHours: z.optional(
    z
      .int({ error: 'Breach notice window: whole hours from 1 to 72 (default 24).' })
      .check(
        z.minimum(1, { error: 'Breach notice window: whole hours from 1 to 72 (default 24).' }),
        z.maximum(72, { error: 'Breach notice window: whole hours from 1 to 72 (default 24).' }),
      ),
  ),
});

export const ContactSchema = z.strictObject({
  name: text(100, 'The contact’s name, 1 to 100 characters.'),
  email: patterned(
    254,
    EMAIL_PATTERN,
    'An e-mail address such as security@lab.example, at most 254 characters.',
  ),
  phone: patterned(
    16,
    PHONE_PATTERN,
    'A phone number in E.164 form: + and 7 to 15 digits, e.g. +15551230000.',
  ),
  notices: z
    .array(z.enum(NOTICE_KINDS, { error: `Each notice kind is one of ${NOTICE_KINDS.join(', ')}.` }), {
      error: `List the notices this contact receives: ${NOTICE_KINDS.join(', ')}.`,
    })
    .check(
      z.maxLength(NOTICE_KINDS.length, {
        error: `At most ${NOTICE_KINDS.length} notice kinds.`,
        abort: true,
      }),
      z.minLength(1, { error: 'Name at least one notice kind.' }),
      z.refine((v) => new Set(v).size === v.length, { error: 'Name each notice kind once.' }),
    ),
});

export const MAX_CONTACTS = 10;

const contacts = z
  .array(ContactSchema, { error: 'A list of 1 to 10 security contacts.' })
  .check(
    z.maxLength(MAX_CONTACTS, { error: `At most ${MAX_CONTACTS} security contacts.`, abort: true }),
    z.minLength(1, { error: 'At least one security contact: breach notices must reach someone.' }),
  );

const COUNTRY = 'A country as its ISO 3166-1 alpha-2 code, e.g. US.';
const STATE = 'A state or region code of 2 or 3 capital letters, e.g. CA (required for US partners).';

export const CreateAccountRequestSchema = z.strictObject({
  accountId: patterned(
    63,
    ACCOUNT_ID_PATTERN,
    'An account id: 2 to 63 lower-case letters, digits and "-", starting with a letter or digit, e.g. lab-delta.',
  ),
  legalName: text(200, 'The partner’s legal name, 1 to 200 characters.'),
  country: patterned(2, /^[A-Z]{2}$/, COUNTRY),
  state: z.optional(patterned(3, /^[A-Z]{2,3}$/, STATE)),
  baa: z.optional(BaaSchema),
  contacts,
  policy: z.optional(AccountPolicyRequestSchema),
});

export const UpdateAccountRequestSchema = z.strictObject({
  legalName: z.optional(CreateAccountRequestSchema.def.shape.legalName),
  country: z.optional(CreateAccountRequestSchema.def.shape.country),
  state: z.optional(patterned(3, /^[A-Z]{2,3}$/, STATE)),
  baa: z.optional(BaaSchema),
  contacts: z.optional(contacts),
  policy: z.optional(AccountPolicyRequestSchema),
  status: z.optional(
    z.enum(['ONBOARDING', 'ACTIVE', 'SUSPENDED'], {
      error:
        'Set status to ACTIVE, SUSPENDED or ONBOARDING; an account is terminated with POST /accounts/{accountId}/terminate.',
    }),
  ),
});

export const InviteUserRequestSchema = z.strictObject({
  email: ContactSchema.def.shape.email,
  role: z.enum(LAB_USER_ROLES, { error: `The user's role: ${LAB_USER_ROLES.join(' or ')}.` }),
});

export type Baa = Required<z.output<typeof BaaSchema>>;
export type SecurityContact = z.output<typeof ContactSchema>;
export type CreateAccountInput = Omit<z.output<typeof CreateAccountRequestSchema>, 'baa'> & {
  readonly baa?: Baa;
};
export type UpdateAccountInput = Omit<z.output<typeof UpdateAccountRequestSchema>, 'baa'> & {
  readonly baa?: Baa;
};
export type InviteUserInput = z.output<typeof InviteUserRequestSchema>;

const withDefaults = (baa: z.output<typeof BaaSchema>): Baa => ({
  ...baa,
  breachNoticeHours: baa.breachNoticeHours ?? BREACH_NOTICE_DEFAULT_HOURS,
});

const parseObject = <S extends Record<string, z.ZodMiniType>>(
  body: unknown,
  shape: S,
  required: readonly (keyof S & string)[],
) => {
  const fields = Object.keys(shape);
  if (!isPlainObject(body))
    throw new ValidationError([{ field: 'body', message: `Send a JSON object with ${fields.join(', ')}.` }]);
  const issues: FieldIssue[] = [];
  const result = parseFields(body, shape, issues);
  for (const key of required)
    if (!result.present.has(key) && !result.failed.has(key))
      issues.push({ field: key, message: 'Required.' });
  const unknown = unknownKeys(body, fields);
  if (unknown.length)
    issues.push({
      field: unknown.join(', ').slice(0, 200),
      message: `Unknown field: use ${fields.join(', ')}.`,
    });
  return { ...result, issues };
};

const baaIssues = (baa: z.output<typeof BaaSchema> | undefined): FieldIssue[] =>
  baa && baa.effectiveAt < baa.signedAt
    ? [{ field: 'baa.effectiveAt', message: 'A BAA takes effect on or after the date it was signed.' }]
    : [];

const stateIssues = (country: string | undefined, state: string | undefined): FieldIssue[] =>
  country === 'US' && !state ? [{ field: 'state', message: STATE }] : [];

/** Validates an onboarding request: every bad field at once. */
export const parseCreateAccount = (body: unknown): CreateAccountInput => {
  const shape = CreateAccountRequestSchema.def.shape;
  const { values, issues, failed } = parseObject(body, shape, [
    'accountId',
    'legalName',
    'country',
    'contacts',
  ]);
  if (values.accountId === 'caseline')
    issues.push({ field: 'accountId', message: 'caseline is the staff account: choose another id.' });
  issues.push(...baaIssues(values.baa));
  if (!failed.has('state') && !failed.has('country'))
    issues.push(...stateIssues(values.country, values.state));
  if (issues.length) throw new ValidationError(issues);
  const { baa, ...rest } = values as z.output<typeof CreateAccountRequestSchema>;
  return { ...rest, ...(baa ? { baa: withDefaults(baa) } : {}) };
};

/** Validates a change: any of the fields; the others keep their value. */
export const parseUpdateAccount = (body: unknown): UpdateAccountInput => {
  const shape = UpdateAccountRequestSchema.def.shape;
  const { values, issues } = parseObject(body, shape, []);
  issues.push(...baaIssues(values.baa));
  if (issues.length) throw new ValidationError(issues);
  const { baa, ...rest } = values;
  return { ...rest, ...(baa ? { baa: withDefaults(baa) } : {}) };
};

export const parseInviteUser = (body: unknown): InviteUserInput => {
  const shape = InviteUserRequestSchema.def.shape;
  const { values, issues } = parseObject(body, shape, ['email', 'role']);
  if (issues.length) throw new ValidationError(issues);
  return values as InviteUserInput;
};
