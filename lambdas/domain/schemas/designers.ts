/**
 * Request bodies of the designer registry (POST /designers, PATCH /designers/{designerId}).
 * Each message says how to fix the field and never repeats what was sent.
 */
import * as z from 'zod/mini';
import { type FieldIssue, ValidationError } from '../../kernel/errors';
import { findRestorationType, RESTORATION_TYPES, type RestorationType } from '../catalog';
import { findContactDetails } from '../phi-screen';
import { isPlainObject, parseFields, unknownKeys } from './body';

export const MIN_CAPACITY = 1;
export const MAX_CAPACITY = 20;
export const DISPLAY_NAME_MAX = 80;
export const USERNAME_MAX = 128;
const DESIGNER_ID_MAX = 64;

/**
 * A Cognito sub is a UUID; the local stack's seeded subs look like `u-des-priya`. The pattern
 * admits both and nothing with `#`, which the adapter keeps for its own bookkeeping items.
 */
const DESIGNER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Cognito usernames as this project issues them (`designer.priya`). */
const USERNAME = /^[a-z0-9][a-z0-9._-]*$/;
const COUNTRY = /^[A-Z]{2}$/;

const skillList = RESTORATION_TYPES.join(', ');

const DESIGNER_ID_MESSAGE =
  "Give the designer's Cognito sub (the user's id in the user pool): letters, digits, '-' and '_', at most 64 characters.";
export const DesignerIdSchema = z
  .string({ error: DESIGNER_ID_MESSAGE })
  .check(
    z.maxLength(DESIGNER_ID_MAX, { error: DESIGNER_ID_MESSAGE, abort: true }),
    z.regex(DESIGNER_ID, { error: DESIGNER_ID_MESSAGE }),
  );

const USERNAME_MESSAGE = `Give the designer's sign-in name as in the user pool, e.g. "designer.priya": lower-case letters, digits, '.', '-' and '_', at most ${USERNAME_MAX} characters.`;
const UsernameSchema = z
  .string({ error: USERNAME_MESSAGE })
  .check(
    z.maxLength(USERNAME_MAX, { error: USERNAME_MESSAGE, abort: true }),
    z.regex(USERNAME, { error: USERNAME_MESSAGE }),
  );

const DISPLAY_NAME_LENGTH = `Use 1 to ${DISPLAY_NAME_MAX} characters, e.g. "Priya R.".`;
const foldName = (raw: string) => raw.trim().replace(/\s+/g, ' ');
const DisplayNameSchema = z
  .string({ error: 'Give the name colleagues know the designer by, as text.' })
  .check(
    // Before anything walks the text: a name cannot take more raw characters than this.
    z.maxLength(DISPLAY_NAME_MAX * 4, { error: DISPLAY_NAME_LENGTH, abort: true }),
    // The registry is listed to every operator and exported with the transfer record: contact
    // details belong in the identity provider, not in a name. Bare digit runs count as a phone
    // number here (the PHI screen needs a keyword for them; a name never has six digits).
    // Runs on the raw text (control characters), only when the length is right.
    z.superRefine((raw, ctx) => {
      const name = foldName(raw);
      if (name.length < 1 || name.length > DISPLAY_NAME_MAX) return;
      // Contact details only: a display name is a name by design, so the name lists are not asked.
      const found = findContactDetails(name);
      const email = name.includes('@') || found.includes('email');
      const phone = found.includes('phone') || (name.match(/\d/g)?.length ?? 0) >= 6;
      if (email || phone || /\p{Cc}/u.test(raw)) {
        ctx.addIssue({
          code: 'custom',
          input: raw,
          message: `Looks like it holds ${email ? 'an e-mail address' : phone ? 'a phone number' : 'control characters'}; give a name only, e.g. "Priya R.".`,
        });
      }
    }),
    z.trim(),
    z.overwrite((name) => name.replace(/\s+/g, ' ')),
    z.minLength(1, { error: DISPLAY_NAME_LENGTH }),
    z.maxLength(DISPLAY_NAME_MAX, { error: DISPLAY_NAME_LENGTH }),
  );

const SKILLS_MESSAGE = `Give a list of at least one restoration type the designer may take: ${skillList}. To stop a designer taking work, set enabled to false.`;
const SKILL_MESSAGE = `Not a restoration type; use one of ${skillList}.`;
const SkillSchema = z.pipe(
  z.string({ error: SKILL_MESSAGE }).check(z.maxLength(64, { error: SKILL_MESSAGE, abort: true })),
  z.transform((raw: string, ctx): RestorationType => {
    const type = findRestorationType(raw);
    if (type) return type;
    ctx.issues.push({ code: 'custom', input: raw, message: SKILL_MESSAGE });
    return z.NEVER;
  }),
);
const SkillsSchema = z.pipe(
  z.array(SkillSchema, { error: SKILLS_MESSAGE }).check(z.minLength(1, { error: SKILLS_MESSAGE })),
  // Catalogue order, duplicates folded: the same skills always read the same way.
  z.transform((found: RestorationType[]) => RESTORATION_TYPES.filter((t) => found.includes(t))),
);

const CAPACITY_MESSAGE = `Give how many jobs the designer may hold at once: a whole number from ${MIN_CAPACITY} to ${MAX_CAPACITY}.`;
const CapacitySchema = z
  .int({ error: CAPACITY_MESSAGE })
  .check(
    z.minimum(MIN_CAPACITY, { error: CAPACITY_MESSAGE }),
    z.maximum(MAX_CAPACITY, { error: CAPACITY_MESSAGE }),
  );

const COUNTRY_MESSAGE =
  'Give the country the designer works from as an ISO 3166-1 alpha-2 code in capitals, e.g. "IN", "PH", "VN". It goes into the international-transfer record.';
const CountrySchema = z
  .string({ error: COUNTRY_MESSAGE })
  .check(z.length(2, { error: COUNTRY_MESSAGE, abort: true }), z.regex(COUNTRY, { error: COUNTRY_MESSAGE }));

const EnabledSchema = z.boolean({ error: 'Use true (may take work) or false (takes none).' });

export const CreateDesignerRequestSchema = z.strictObject({
  designerId: DesignerIdSchema,
  username: UsernameSchema,
  displayName: DisplayNameSchema,
  skills: SkillsSchema,
  capacity: CapacitySchema,
  country: CountrySchema,
  enabled: z._default(EnabledSchema, true),
});

export const UpdateDesignerRequestSchema = z.strictObject({
  displayName: z.optional(DisplayNameSchema),
  skills: z.optional(SkillsSchema),
  capacity: z.optional(CapacitySchema),
  country: z.optional(CountrySchema),
  enabled: z.optional(EnabledSchema),
});

export type CreateDesignerInput = z.output<typeof CreateDesignerRequestSchema>;
export type DesignerChangesInput = z.output<typeof UpdateDesignerRequestSchema>;

/** Fields a caller may know from a response but never set: say why rather than "unknown field". */
const READ_ONLY: Readonly<Record<string, string>> = {
  activeJobs: 'is counted by the work queue as jobs are claimed and released; it cannot be set',
  createdAt: 'is set by the service',
  updatedAt: 'is set by the service',
};
const IMMUTABLE_ON_UPDATE: Readonly<Record<string, string>> = {
  designerId:
    'cannot change: it is the Cognito sub in the path. Register the other user with POST /designers',
  username: 'cannot change: it follows the Cognito user. Register the other user with POST /designers',
};

const asObject = (body: unknown): Record<string, unknown> => {
  if (!isPlainObject(body)) throw new ValidationError([{ field: 'body', message: 'Send a JSON object.' }]);
  return body;
};

const unknownFieldIssues = (
  body: Record<string, unknown>,
  allowed: readonly string[],
  explained: Readonly<Record<string, string>>,
): FieldIssue[] =>
  unknownKeys(body, allowed).map((key) => {
    const why = explained[key] ?? READ_ONLY[key];
    return {
      field: key,
      message: why
        ? `${key} ${why}; remove it.`
        : `Unknown field; remove it. Accepted fields: ${allowed.join(', ')}.`,
    };
  });

/** Validates a create request, reporting every problem at once. */
export const parseCreateDesigner = (body: unknown): CreateDesignerInput => {
  const b = asObject(body);
  const shape = CreateDesignerRequestSchema.def.shape;
  const issues = unknownFieldIssues(b, Object.keys(shape), {});
  const { values } = parseFields(b, shape, issues);
  const { designerId, username, displayName, skills, capacity, country, enabled } = values;
  if (
    issues.length > 0 ||
    designerId === undefined ||
    username === undefined ||
    displayName === undefined ||
    skills === undefined ||
    capacity === undefined ||
    country === undefined ||
    enabled === undefined
  ) {
    throw new ValidationError(issues);
  }
  return { designerId, username, displayName, skills, capacity, country, enabled };
};

/** Validates an update request: any of the updatable fields, at least one. */
export const parseUpdateDesigner = (body: unknown): DesignerChangesInput => {
  const b = asObject(body);
  const shape = UpdateDesignerRequestSchema.def.shape;
  const updatable = Object.keys(shape);
  const issues = unknownFieldIssues(b, updatable, IMMUTABLE_ON_UPDATE);
  const { values } = parseFields(b, shape, issues);
  if (issues.length === 0 && Object.keys(values).length === 0) {
    issues.push({ field: 'body', message: `Send at least one field to change: ${updatable.join(', ')}.` });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return values;
};

/** A malformed id cannot name a designer; say what an id looks like instead of a bare 404. */
export const checkDesignerId = (designerId: string): void => {
  if (!DesignerIdSchema.safeParse(designerId).success) {
    throw new ValidationError([{ field: 'designerId', message: DESIGNER_ID_MESSAGE }]);
  }
};
