/**
 * The designer registry: who may pull work from the queue, for which restoration types, how
 * many jobs at once, and from which country they work.
 *
 * Operators keep it with four routes (list, create, update, deactivate); the work queue reads
 * it and holds its live counter through `acquireSlot` / `releaseSlot`. Nothing is ever deleted:
 * the record of international transfers (GDPR Art. 44+, seed 002) must show who held case data
 * where, so a designer who leaves is deactivated and stays on file.
 */
import { ConflictError, NotFoundError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { recordAudit } from './audit';
import type { Deps } from './ports';
import { checkDesignerId, parseCreateDesigner, parseUpdateDesigner } from './schemas/designers';

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

/** The country of a designer written before it was recorded (ISO 3166-1 user-assigned "ZZ"). */
export const UNKNOWN_COUNTRY = 'ZZ';

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

export { DISPLAY_NAME_MAX, MAX_CAPACITY, MIN_CAPACITY, USERNAME_MAX } from './schemas/designers';
export { parseCreateDesigner, parseUpdateDesigner };
export type CreateDesignerInput = Omit<Designer, 'activeJobs' | 'createdAt' | 'updatedAt'>;

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
  await audit(deps, actor, 'designer.list', 'ALLOWED');
  return { designers: await deps.designers.list() };
};

export const createDesigner = async (deps: DesignerDeps, actor: Actor, body: unknown): Promise<Designer> => {
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
  checkDesignerId(designerId);
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
  const existing = await loadForChange(deps, actor, designerId);
  await audit(deps, actor, 'designer.change', 'ALLOWED', 'DEACTIVATE');
  if (!existing.enabled) return existing;
  return deps.designers.update(designerId, { enabled: false }, deps.clock.now().toISOString());
};
