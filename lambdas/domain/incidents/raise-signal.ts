/**
 * The intake: every signal (a person's report, and later each detection rule) comes in here.
 *
 * A signal opens an incident, or joins the open one about the same actor (or, when no person is
 * involved, the same resource) whose window has not passed. Idempotent by `signalId`: the new
 * incident's id is derived from the signal's, so a retry after any crash finds the same incident,
 * the same join key and the same workflow execution (named by the incident id), and never opens
 * a second. Paging, scoping and the deadlines run in the incident workflow that starts here; a
 * signal that joins starts the workflow's re-scope for it (rescope.ts).
 */
import { createHash } from 'node:crypto';
import { ROLES } from '../../../common/roles';
import { ValidationError } from '../../kernel/errors';
import {
  addMs,
  type Incident,
  type IncidentBaseDeps,
  type IncidentWorkflow,
  JOIN_WINDOW_MS,
  noteIncident,
  OPEN_INCIDENT,
  SIGNAL_KINDS,
  type Signal,
} from './model';

export type RaiseSignalDeps = IncidentBaseDeps & { readonly incidentWorkflow: IncidentWorkflow };

export interface RaisedSignal {
  readonly incidentId: string;
  /** A new incident was opened (false: joined an open one, or a retried signal). */
  readonly opened: boolean;
  readonly duplicate: boolean;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$/;
const ACCOUNT = /^[a-z0-9][a-z0-9-]{1,62}$/;
const CODE = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$/;
const RESOURCE = /^[A-Za-z0-9][A-Za-z0-9_.:/*-]{0,255}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const MAX_ACCOUNTS = 50;
const MAX_ORDERS = 100;
const MAX_DETAIL = 20;
const MAX_NOTE = 2000;

/** A signal's shape and bounds, checked before anything is stored (a rule's bug must not write PHI). */
export const checkSignal = (signal: Signal): Signal => {
  const bad: { field: string; message: string }[] = [];
  const need = (ok: boolean, field: string, message: string) => {
    if (!ok) bad.push({ field, message });
  };
  need(
    typeof signal.signalId === 'string' && ID.test(signal.signalId),
    'signalId',
    'an id, 1-128 characters',
  );
  need(
    (SIGNAL_KINDS as readonly string[]).includes(signal.kind),
    'kind',
    `one of ${SIGNAL_KINDS.join(', ')}`,
  );
  need(typeof signal.at === 'string' && ISO.test(signal.at), 'at', 'an ISO 8601 UTC instant');
  if (signal.actor !== undefined) {
    need(ID.test(signal.actor.sub), 'actor.sub', 'an id');
    need(
      signal.actor.role === 'none' || (ROLES as readonly string[]).includes(signal.actor.role),
      'actor.role',
      'a role',
    );
    need(ACCOUNT.test(signal.actor.accountId), 'actor.accountId', 'an account id');
  }
  if (signal.resource !== undefined) need(RESOURCE.test(signal.resource), 'resource', 'an ARN or a name');
  need(
    Array.isArray(signal.accountIds) &&
      signal.accountIds.length <= MAX_ACCOUNTS &&
      signal.accountIds.every((a) => typeof a === 'string' && ACCOUNT.test(a)),
    'accountIds',
    `at most ${MAX_ACCOUNTS} account ids`,
  );
  need(
    Array.isArray(signal.orderIds) &&
      signal.orderIds.length <= MAX_ORDERS &&
      signal.orderIds.every((o) => typeof o === 'string' && ID.test(o)),
    'orderIds',
    `at most ${MAX_ORDERS} order ids`,
  );
  const detail = Object.entries(signal.detail ?? {});
  need(
    detail.length <= MAX_DETAIL &&
      detail.every(
        ([k, v]) =>
          CODE.test(k) &&
          (typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && CODE.test(v)),
      ),
    'detail',
    'codes and numbers only (no free text)',
  );
  if (signal.note !== undefined)
    need(
      signal.kind === 'report' && signal.note.length <= MAX_NOTE,
      'note',
      'reports only, 2,000 characters',
    );
  if (bad.length) throw new ValidationError(bad);
  return signal;
};

/** The incident a signal opens: derived from its id, so a retry finds the same one. */
export const incidentIdFor = (signalId: string): string =>
  `inc_${createHash('sha256').update(signalId).digest('hex').slice(0, 28)}`;

/** What joins signals: the person they are about, else the resource. None: every signal opens its own. */
export const joinKeyOf = (signal: Signal): string | undefined =>
  signal.actor ? `ACTOR#${signal.actor.sub}` : signal.resource ? `RESOURCE#${signal.resource}` : undefined;

const union = <T>(a: readonly T[], b: readonly T[]): T[] => [...new Set([...a, ...b])];

/** Starts the incident's workflow once, and records that it did (a retry starts the same execution). */
const ensureWorkflow = async (deps: RaiseSignalDeps, incident: Incident) => {
  if (incident.workflowStartedAt !== undefined) return;
  await deps.incidentWorkflow.start(incident.incidentId);
  await deps.incidents.update(
    incident.incidentId,
    [incident.status],
    { workflowStartedAt: deps.clock.now().toISOString() },
    { expect: { workflowStartedAt: null } },
  );
};

const join = async (deps: RaiseSignalDeps, incidentId: string, signal: Signal, key: string) => {
  await deps.incidents.addSignal(incidentId, signal);
  // Read, merge, write over what was read: two signals joining at once both land.
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await deps.incidents.get(incidentId);
    if (!current) break;
    const moved = await deps.incidents.update(
      incidentId,
      OPEN_INCIDENT,
      {
        kinds: union(current.kinds, [signal.kind]),
        actorSubs: union(current.actorSubs, signal.actor ? [signal.actor.sub] : []),
        resources: union(current.resources, signal.resource ? [signal.resource] : []),
        signalCount: current.signalCount + 1,
        lastSignalAt: signal.at > current.lastSignalAt ? signal.at : current.lastSignalAt,
        updatedAt: deps.clock.now().toISOString(),
      },
      { expect: { updatedAt: current.updatedAt } },
    );
    if (moved) break;
  }
  const now = deps.clock.now().toISOString();
  await deps.incidents.takeJoinKey(key, incidentId, addMs(now, JOIN_WINDOW_MS), now);
  await deps.incidents.assignSignal(signal.signalId, incidentId);
  await noteIncident(deps, incidentId, 'signal-joined', 'intake', {
    signalId: signal.signalId,
    kind: signal.kind,
  });
  // The scope, the unsent notices and the page follow what joined (rescope.ts), in the workflow's
  // own execution for this signal: the intake stays cheap, and a retry starts the same execution.
  await deps.incidentWorkflow.rescope(incidentId, signal.signalId);
};

/**
 * Opens an incident for `signal`, or joins the open one about the same actor or resource.
 * Safe to call again with the same signal, from any point it may have stopped at.
 */
export const raiseSignal = async (deps: RaiseSignalDeps, input: Signal): Promise<RaisedSignal> => {
  const signal = checkSignal(input);
  const recorded = await deps.incidents.recordSignal(signal);
  const own = incidentIdFor(signal.signalId);
  if (recorded.seen && recorded.incidentId !== undefined) {
    // Handled before; the workflow may still be unstarted if that run stopped after assigning it.
    const incident = await deps.incidents.get(recorded.incidentId);
    if (incident && recorded.incidentId === own) await ensureWorkflow(deps, incident);
    // A joined signal: its re-scope may not have been started (a retry starts the same execution).
    else if (incident && OPEN_INCIDENT.includes(incident.status))
      await deps.incidentWorkflow.rescope(recorded.incidentId, signal.signalId);
    return { incidentId: recorded.incidentId, opened: false, duplicate: true };
  }

  const now = deps.clock.now().toISOString();
  const key = joinKeyOf(signal);
  if (key) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const taken = await deps.incidents.takeJoinKey(key, own, addMs(now, JOIN_WINDOW_MS), now);
      if (taken.taken) break;
      const holder = await deps.incidents.get(taken.incidentId);
      if (holder && OPEN_INCIDENT.includes(holder.status)) {
        await join(deps, holder.incidentId, signal, key);
        return { incidentId: holder.incidentId, opened: false, duplicate: recorded.seen };
      }
      // The holder closed (its key was not given back) or was never written: take the key over.
      await deps.incidents.releaseJoinKey(key, taken.incidentId);
    }
  }

  const incident: Incident = {
    incidentId: own,
    status: 'DETECTED',
    discoveredAt: signal.at < now ? signal.at : now,
    openedAt: now,
    kinds: [signal.kind],
    actorSubs: signal.actor ? [signal.actor.sub] : [],
    resources: signal.resource ? [signal.resource] : [],
    signalCount: 1,
    lastSignalAt: signal.at,
    updatedAt: now,
  };
  // False: a retry of this signal wrote it already; carry on from there.
  await deps.incidents.create(incident);
  await deps.incidents.addSignal(own, signal);
  await deps.incidents.assignSignal(signal.signalId, own);
  await noteIncident(deps, own, 'detected', 'intake', { signalId: signal.signalId, kind: signal.kind });
  const stored = (await deps.incidents.get(own)) ?? incident;
  await ensureWorkflow(deps, stored);
  return { incidentId: own, opened: !recorded.seen, duplicate: recorded.seen };
};
