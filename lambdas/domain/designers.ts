/**
 * The designer registry: who may pull work from the queue, for which restoration types, how
 * many jobs at once, and from which country they work.
 *
 * Operators keep it with four routes (list, create, update, deactivate); the work queue reads
 * it and holds its live counter through `acquireSlot` / `releaseSlot`. Nothing is ever deleted:
 * the record of international transfers (GDPR Art. 44+, seed 002) must show who held case data
 * where, so a designer who leaves is deactivated and stays on file.
 */
import { ConflictError, type FieldIssue, NotFoundError, ValidationError } from '../shared/errors';
import { type Actor, requireRole } from '../shared/identity';
import { recordAudit } from './audit';
import { findRestorationType, RESTORATION_TYPES, type RestorationType } from './catalog';
import { findIdentifiers } from './phi-screen';
import type { Deps } from './ports';

export interface Designer {
  /** The designer's Cognito sub. */
  readonly designerId: string;
  readonly username: string;
  readonly displayName: string;
  /** Restoration type ids from catalog.ts, in catalogue order. */
  readonly skills: readonly string[];
  /** Concurrent jobs, 1..20. */
  readonly capacity: number;
  /** Live counter, maintained only by acquireSlot/releaseSlot. */
  readonly activeJobs: number;
  /** ISO 3166-1 alpha-2, kept for the international-transfer record (GDPR Art. 44+, seed 002). */
  readonly country: string;
  /** The "active flag": a deactivated designer claims nothing. */
  readonly enabled: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type DesignerChanges = Partial<
  Pick<Designer, 'displayName' | 'skills' | 'capacity' | 'country' | 'enabled'>
>;

export interface DesignerRegistry {
  get(designerId: string): Promise<Designer | undefined>;
  /**
   * Every designer, enabled or not, ordered by username. A registry is small (tens to hundreds
   * of people), so one call returns it whole; there is no paging.
   */
  list(): Promise<Designer[]>;
  /** Conditional: ConflictError if the id exists. */
  create(d: Omit<Designer, 'activeJobs' | 'createdAt' | 'updatedAt'>, now: string): Promise<Designer>;
  /** NotFoundError if missing. */
  update(designerId: string, changes: DesignerChanges, now: string): Promise<Designer>;
  /** Atomically takes one slot: succeeds only if enabled and activeJobs < capacity. */
  acquireSlot(designerId: string): Promise<boolean>;
  /** Gives a slot back; never below zero. */
  releaseSlot(designerId: string): Promise<void>;
}

export type DesignerDeps = Pick<Deps, 'audit' | 'clock' | 'ids'> & { readonly designers: DesignerRegistry };

export const MIN_CAPACITY = 1;
export const MAX_CAPACITY = 20;
export const DISPLAY_NAME_MAX = 80;
export const USERNAME_MAX = 128;

/**
 * A Cognito sub is a UUID; the local stack's seeded subs look like `u-des-priya`. The pattern
 * admits both and nothing with `#`, which the adapter keeps for its own bookkeeping items.
 */
const DESIGNER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** Cognito usernames as this project issues them (`designer.priya`). */
const USERNAME = /^[a-z0-9][a-z0-9._-]*$/;
const COUNTRY = /^[A-Z]{2}$/;

const UPDATABLE = ['displayName', 'skills', 'capacity', 'country', 'enabled'] as const;
const CREATABLE = ['designerId', 'username', ...UPDATABLE] as const;

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

const skillList = RESTORATION_TYPES.join(', ');

// --- validation ------------------------------------------------------------------------------

type Issues = FieldIssue[];

const asObject = (body: unknown): Record<string, unknown> => {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError([{ field: 'body', message: 'Send a JSON object.' }]);
  }
  return body as Record<string, unknown>;
};

const checkFields = (
  body: Record<string, unknown>,
  allowed: readonly string[],
  explained: Readonly<Record<string, string>>,
  issues: Issues,
) => {
  for (const key of Object.keys(body)) {
    if (allowed.includes(key)) continue;
    const why = explained[key] ?? READ_ONLY[key];
    issues.push({
      field: key,
      message: why
        ? `${key} ${why}; remove it.`
        : `Unknown field; remove it. Accepted fields: ${allowed.join(', ')}.`,
    });
  }
};

const parseDisplayName = (raw: unknown, issues: Issues): string | undefined => {
  if (typeof raw !== 'string') {
    issues.push({ field: 'displayName', message: 'Give the name colleagues know the designer by, as text.' });
    return undefined;
  }
  const name = raw.trim().replace(/\s+/g, ' ');
  if (name.length < 1 || name.length > DISPLAY_NAME_MAX) {
    issues.push({
      field: 'displayName',
      message: `Use 1 to ${DISPLAY_NAME_MAX} characters, e.g. "Priya R.".`,
    });
    return undefined;
  }
  // The registry is listed to every operator and exported with the transfer record: contact
  // details belong in the identity provider, not in a name. Bare digit runs count as a phone
  // number here (the PHI screen needs a keyword for them; a name never has six digits).
  const found = findIdentifiers(name);
  const email = name.includes('@') || found.includes('email');
  const phone = found.includes('phone') || (name.match(/\d/g)?.length ?? 0) >= 6;
  if (email || phone || /\p{Cc}/u.test(raw)) {
    issues.push({
      field: 'displayName',
      message: `Looks like it holds ${email ? 'an e-mail address' : phone ? 'a phone number' : 'control characters'}; give a name only, e.g. "Priya R.".`,
    });
    return undefined;
  }
  return name;
};

const parseSkills = (raw: unknown, issues: Issues): RestorationType[] | undefined => {
  if (!Array.isArray(raw) || raw.length === 0) {
    issues.push({
      field: 'skills',
      message: `Give a list of at least one restoration type the designer may take: ${skillList}. To stop a designer taking work, set enabled to false.`,
    });
    return undefined;
  }
  const found = new Set<RestorationType>();
  let ok = true;
  raw.forEach((entry, i) => {
    const type = typeof entry === 'string' ? findRestorationType(entry) : undefined;
    if (type) found.add(type);
    else {
      ok = false;
      issues.push({ field: `skills[${i}]`, message: `Not a restoration type; use one of ${skillList}.` });
    }
  });
  // Catalogue order, duplicates folded: the same skills always read the same way.
  return ok ? RESTORATION_TYPES.filter((t) => found.has(t)) : undefined;
};

const parseCapacity = (raw: unknown, issues: Issues): number | undefined => {
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < MIN_CAPACITY || raw > MAX_CAPACITY) {
    issues.push({
      field: 'capacity',
      message: `Give how many jobs the designer may hold at once: a whole number from ${MIN_CAPACITY} to ${MAX_CAPACITY}.`,
    });
    return undefined;
  }
  return raw;
};

const parseCountry = (raw: unknown, issues: Issues): string | undefined => {
  if (typeof raw !== 'string' || !COUNTRY.test(raw)) {
    issues.push({
      field: 'country',
      message:
        'Give the country the designer works from as an ISO 3166-1 alpha-2 code in capitals, e.g. "IN", "PH", "VN". It goes into the international-transfer record.',
    });
    return undefined;
  }
  return raw;
};

const parseEnabled = (raw: unknown, issues: Issues): boolean | undefined => {
  if (typeof raw !== 'boolean') {
    issues.push({ field: 'enabled', message: 'Use true (may take work) or false (takes none).' });
    return undefined;
  }
  return raw;
};

const parseDesignerId = (raw: unknown, issues: Issues): string | undefined => {
  if (typeof raw !== 'string' || !DESIGNER_ID.test(raw)) {
    issues.push({
      field: 'designerId',
      message:
        "Give the designer's Cognito sub (the user's id in the user pool): letters, digits, '-' and '_', at most 64 characters.",
    });
    return undefined;
  }
  return raw;
};

const parseUsername = (raw: unknown, issues: Issues): string | undefined => {
  if (typeof raw !== 'string' || raw.length > USERNAME_MAX || !USERNAME.test(raw)) {
    issues.push({
      field: 'username',
      message: `Give the designer's sign-in name as in the user pool, e.g. "designer.priya": lower-case letters, digits, '.', '-' and '_', at most ${USERNAME_MAX} characters.`,
    });
    return undefined;
  }
  return raw;
};

export type CreateDesignerInput = Omit<Designer, 'activeJobs' | 'createdAt' | 'updatedAt'>;

/** Validates a create request, reporting every problem at once. */
export const parseCreateDesigner = (body: unknown): CreateDesignerInput => {
  const b = asObject(body);
  const issues: Issues = [];
  checkFields(b, CREATABLE, {}, issues);
  const designerId = parseDesignerId(b.designerId, issues);
  const username = parseUsername(b.username, issues);
  const displayName = parseDisplayName(b.displayName, issues);
  const skills = parseSkills(b.skills, issues);
  const capacity = parseCapacity(b.capacity, issues);
  const country = parseCountry(b.country, issues);
  const enabled = b.enabled === undefined ? true : parseEnabled(b.enabled, issues);
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
export const parseUpdateDesigner = (body: unknown): DesignerChanges => {
  const b = asObject(body);
  const issues: Issues = [];
  checkFields(b, UPDATABLE, IMMUTABLE_ON_UPDATE, issues);
  const changes: { -readonly [K in keyof DesignerChanges]: DesignerChanges[K] } = {};
  const take = <K extends keyof DesignerChanges>(
    key: K,
    parse: (raw: unknown, issues: Issues) => DesignerChanges[K] | undefined,
  ) => {
    if (b[key] === undefined) return;
    const value = parse(b[key], issues);
    if (value !== undefined) changes[key] = value;
  };
  take('displayName', parseDisplayName);
  take('skills', parseSkills);
  take('capacity', parseCapacity);
  take('country', parseCountry);
  take('enabled', parseEnabled);
  if (issues.length === 0 && Object.keys(changes).length === 0) {
    issues.push({ field: 'body', message: `Send at least one field to change: ${UPDATABLE.join(', ')}.` });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return changes;
};

/** A malformed id cannot name a designer; say what an id looks like instead of a bare 404. */
const checkPathId = (designerId: string): void => {
  const issues: Issues = [];
  parseDesignerId(designerId, issues);
  if (issues.length > 0) throw new ValidationError(issues);
};

// --- operations ------------------------------------------------------------------------------

const notFound = (designerId: string) =>
  new NotFoundError(`No designer ${designerId} in the registry. List them with GET /designers.`);

/**
 * Audit events carry no designer id field yet (AuditEvent has orderId and fileId only); the
 * `reason` code says which operation it was.
 */
const audit = (
  deps: DesignerDeps,
  actor: Actor,
  action: 'designer.list' | 'designer.change',
  outcome: 'ALLOWED' | 'DENIED',
  reason?: string,
) =>
  recordAudit(deps, actor, {
    // The registry is our own organisation's data, so events file under the operator's account.
    accountId: actor.accountId,
    action,
    outcome,
    ...(reason ? { reason } : {}),
  });

export const listDesigners = async (deps: DesignerDeps, actor: Actor): Promise<{ designers: Designer[] }> => {
  requireRole(actor, 'operator');
  await audit(deps, actor, 'designer.list', 'ALLOWED');
  return { designers: await deps.designers.list() };
};

export const createDesigner = async (deps: DesignerDeps, actor: Actor, body: unknown): Promise<Designer> => {
  requireRole(actor, 'operator');
  const input = parseCreateDesigner(body);
  // Audited before the write, so a change never lands unrecorded (the audit fails closed).
  await audit(deps, actor, 'designer.change', 'ALLOWED', 'CREATE');
  try {
    return await deps.designers.create(input, deps.clock.now().toISOString());
  } catch (error) {
    if (error instanceof ConflictError) await audit(deps, actor, 'designer.change', 'DENIED', 'EXISTS');
    throw error;
  }
};

/** Loads a designer for a change, auditing a miss as a denied change. */
const loadForChange = async (deps: DesignerDeps, actor: Actor, designerId: string): Promise<Designer> => {
  checkPathId(designerId);
  const existing = await deps.designers.get(designerId);
  if (!existing) {
    await audit(deps, actor, 'designer.change', 'DENIED', 'NOT_FOUND');
    throw notFound(designerId);
  }
  return existing;
};

export const updateDesigner = async (
  deps: DesignerDeps,
  actor: Actor,
  designerId: string,
  body: unknown,
): Promise<Designer> => {
  requireRole(actor, 'operator');
  const changes = parseUpdateDesigner(body);
  await loadForChange(deps, actor, designerId);
  await audit(deps, actor, 'designer.change', 'ALLOWED', 'UPDATE');
  // Lowering capacity below activeJobs is allowed: the designer keeps the jobs in hand and
  // claims nothing new until enough are released (acquireSlot compares against capacity).
  return deps.designers.update(designerId, changes, deps.clock.now().toISOString());
};

/**
 * Sets the active flag to false. The designer keeps any job already in hand (the queue's
 * leases decide what happens to it) and claims nothing new. Repeating it changes nothing.
 */
export const deactivateDesigner = async (
  deps: DesignerDeps,
  actor: Actor,
  designerId: string,
): Promise<Designer> => {
  requireRole(actor, 'operator');
  const existing = await loadForChange(deps, actor, designerId);
  await audit(deps, actor, 'designer.change', 'ALLOWED', 'DEACTIVATE');
  if (!existing.enabled) return existing;
  return deps.designers.update(designerId, { enabled: false }, deps.clock.now().toISOString());
};
