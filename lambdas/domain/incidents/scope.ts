/**
 * Workflow step 2: what the incident touched, from the audit trail, within the hour.
 *
 * For each actor the signals are about (not a reporter: a report names its orders), the actor's
 * audit events from SCOPE_LOOKBACK_MS before discovery to now are read by the byActor index (never
 * a scan, at most MAX_SCOPE_EVENTS): every ALLOWED event that handed out an order's PHI counts
 * (claims, views, input and deliverable links, export reads). Orders a signal names are added with
 * their account. The scope is ids, counts, categories and the first and last event: no patient
 * reference is read or stored here (they are decrypted only into a lab's view of its notice).
 *
 * Then one DRAFT notice per affected account, pre-filled, due at discovery + the account's BAA
 * window (default 24 hours), on the deadline sweep's timer from half the window on.
 */
import { NotFoundError } from '../../kernel/errors';
import type { AuditTrail } from '../audit-trail';
import type { AccountRegistry, OrderRepository } from '../ports';
import {
  type AccountScope,
  ALERT_FRACTIONS,
  addMs,
  DEFAULT_NOTICE_HOURS,
  type Incident,
  type IncidentBaseDeps,
  type IncidentScope,
  MAX_SCOPE_EVENTS,
  type Notice,
  noteIncident,
  SCOPE_LOOKBACK_MS,
  type Signal,
  summariseNotices,
} from './model';

export type ScopeDeps = IncidentBaseDeps & {
  readonly ledger: Pick<AuditTrail, 'page'>;
  readonly orders: Pick<OrderRepository, 'get' | 'files'>;
  readonly accounts: Pick<AccountRegistry, 'get'>;
};

/** What each kind of PHI hand-out exposes (the audit action of an ALLOWED event on an order). */
export const EXPOSURE: Readonly<Record<string, readonly string[]>> = {
  'queue.claim': ['prescription', 'patient pseudonym'],
  'assignment.list': ['prescription', 'patient pseudonym'],
  'assignment.view': ['prescription', 'patient pseudonym'],
  'assignment.inputs': ['intraoral scans'],
  'order.view': ['prescription', 'patient reference', 'case reference', 'clinical notes'],
  'order.list': ['case reference'],
  'order.deliverables': ['design files'],
  'order.inputs': ['intraoral scans'],
  'export.order': ['prescription', 'patient reference', 'case reference', 'clinical notes'],
  'export.file': ['intraoral scans', 'design files'],
};
/** What an order named by a report may have exposed, until triage says otherwise. */
const NAMED_ORDER = ['prescription', 'patient reference', 'intraoral scans'] as const;
const PAGE = 100;
const STAFF_ACCOUNT = 'caseline';

interface Touch {
  orderIds: Set<string>;
  files: Set<string>;
  categories: Set<string>;
  first?: string;
  last?: string;
}

const touch = (map: Map<string, Touch>, accountId: string): Touch => {
  const found = map.get(accountId);
  if (found) return found;
  const fresh: Touch = { orderIds: new Set(), files: new Set(), categories: new Set() };
  map.set(accountId, fresh);
  return fresh;
};

const widen = (t: Touch, at: string) => {
  if (t.first === undefined || at < t.first) t.first = at;
  if (t.last === undefined || at > t.last) t.last = at;
};

/** The subjects whose trail is read: every signal's actor but a reporter's. */
const suspects = (signals: readonly Signal[]) => [
  ...new Set(signals.flatMap((s) => (s.actor && s.kind !== 'report' ? [s.actor.sub] : []))),
];

export const computeScope = async (
  deps: ScopeDeps,
  incident: Incident,
  signals: readonly Signal[],
): Promise<IncidentScope> => {
  const now = deps.clock.now().toISOString();
  const from = addMs(incident.discoveredAt, -SCOPE_LOOKBACK_MS);
  const byAccount = new Map<string, Touch>();
  let read = 0;
  let truncated = false;
  for (const sub of suspects(signals)) {
    let cursor: string | undefined;
    do {
      const page = await deps.ledger.page({
        actor: sub,
        from,
        to: now,
        limit: PAGE,
        ...(cursor ? { cursor } : {}),
      });
      read += page.events.length;
      for (const event of page.events) {
        const categories = EXPOSURE[String(event.action)];
        if (event.outcome !== 'ALLOWED' || !categories || typeof event.orderId !== 'string') continue;
        const t = touch(byAccount, event.accountId);
        t.orderIds.add(event.orderId);
        if (typeof event.fileId === 'string') t.files.add(`${event.orderId}/${event.fileId}`);
        for (const c of categories) t.categories.add(c);
        widen(t, event.at);
      }
      cursor = page.cursor;
      if (read >= MAX_SCOPE_EVENTS && cursor) {
        truncated = true;
        cursor = undefined;
      }
    } while (cursor);
  }
  // Orders a signal names (a report): their account from the order itself, its input files counted.
  for (const signal of signals) {
    for (const orderId of signal.orderIds) {
      const order = await deps.orders.get(orderId);
      if (!order) continue;
      const t = touch(byAccount, order.accountId);
      t.orderIds.add(orderId);
      for (const file of await deps.orders.files(orderId))
        if (file.role === 'input') t.files.add(`${orderId}/${file.fileId}`);
      for (const c of NAMED_ORDER) t.categories.add(c);
      widen(t, signal.at);
    }
    for (const accountId of signal.accountIds) {
      if (accountId === STAFF_ACCOUNT) continue;
      widen(touch(byAccount, accountId), signal.at);
    }
  }
  byAccount.delete(STAFF_ACCOUNT);
  const accounts: AccountScope[] = [...byAccount.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([accountId, t]) => ({
      accountId,
      orderIds: [...t.orderIds].sort(),
      fileCount: t.files.size,
      categories: [...t.categories].sort(),
      ...(t.first ? { firstEventAt: t.first } : {}),
      ...(t.last ? { lastEventAt: t.last } : {}),
    }));
  const firsts = accounts.flatMap((a) => (a.firstEventAt ? [a.firstEventAt] : [])).sort();
  const lasts = accounts.flatMap((a) => (a.lastEventAt ? [a.lastEventAt] : [])).sort();
  return {
    scopedAt: now,
    accounts,
    orderCount: accounts.reduce((n, a) => n + a.orderIds.length, 0),
    fileCount: accounts.reduce((n, a) => n + a.fileCount, 0),
    categories: [...new Set(accounts.flatMap((a) => a.categories))].sort(),
    ...(firsts[0] ? { firstEventAt: firsts[0] } : {}),
    ...(lasts.at(-1) ? { lastEventAt: lasts.at(-1) } : {}),
    eventsRead: read,
    truncated,
  };
};

const list = (items: readonly string[]) => (items.length ? items.join(', ') : 'to be confirmed');

/** What each kind of signal is, in a lab's words. */
const KIND_TEXT: Readonly<Record<Incident['kinds'][number], string>> = {
  report: 'a report by a user',
  probing: "attempts on other labs' orders",
  'bulk-access': 'access to far more case files than usual',
  'removed-user-access': 'access by a removed or deactivated user',
  'audit-write-failures': 'failures of the audit trail',
  guardduty: 'a threat finding on the case-file storage',
  'protection-weakened': 'a change that weakened the protection of case data',
};

/** The notice's text as the officer finds it: every Art 33(3) / 164.410(c) fact that is words. */
export const draftText = (incident: Incident, scope: AccountScope) => ({
  nature:
    `Caseline found ${incident.kinds.map((k) => KIND_TEXT[k]).join(' and ')} involving case data of your lab: ` +
    `${scope.orderIds.length} order(s) and ${scope.fileCount} file(s)` +
    (scope.firstEventAt ? ` between ${scope.firstEventAt} and ${scope.lastEventAt}` : '') +
    `, discovered ${incident.discoveredAt}. Categories of data: ${list(scope.categories)}.`,
  likelyConsequences:
    'The prescriptions, patient references and scans of the orders listed may have been seen by a person not ' +
    'entitled to them. Caseline holds no financial, insurance or government identifiers of patients.',
  measuresTaken:
    "Every read of your lab's case data is audited; the audit trail gave the orders and times above. The " +
    "person's access can be suspended at once (designer deactivated, sessions revoked, orders returned to the queue).",
  measuresProposed:
    'Review of the access and of the controls that allowed it; a supplementary notice with the outcome of ' +
    'the investigation (GDPR Art 33(4)).',
  whatTheLabShouldDo:
    'Open this notice in Caseline to see the patient references of the orders listed; decide whether your ' +
    'patients must be told (HIPAA 164.404, GDPR Art 34); acknowledge receipt; contact the privacy office with questions.',
});

/** The first check of a new notice: when half its window has passed. */
const firstCheck = (discoveredAt: string, hours: number) =>
  addMs(discoveredAt, (ALERT_FRACTIONS[0] as number) * hours * 3_600_000);

export const scopeIncident = async (deps: ScopeDeps, incidentId: string) => {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) throw new NotFoundError(`No incident ${incidentId}.`);
  // A retried step finds it scoped: the scope stands, its notices exist.
  if (incident.scope) return { status: incident.status, accounts: incident.scope.accounts.length };
  const scope = await computeScope(deps, incident, await deps.incidents.signals(incidentId));
  const now = deps.clock.now().toISOString();
  const notices: Notice[] = [];
  for (const account of scope.accounts) {
    const record = await deps.accounts.get(account.accountId);
    const hours = record?.baa?.breachNoticeHours ?? DEFAULT_NOTICE_HOURS;
    const notice: Notice = {
      noticeId: deps.ids.next('ntc'),
      incidentId,
      accountId: account.accountId,
      status: 'DRAFT',
      discoveredAt: incident.discoveredAt,
      dueAt: addMs(incident.discoveredAt, hours * 3_600_000),
      noticeHours: hours,
      categories: account.categories,
      // One patient reference per order: approximate, as Art 33(3)(a) allows.
      approximatePatients: account.orderIds.length,
      approximateRecords: account.orderIds.length + account.fileCount,
      orderIds: account.orderIds,
      ...(account.firstEventAt ? { firstEventAt: account.firstEventAt } : {}),
      ...(account.lastEventAt ? { lastEventAt: account.lastEventAt } : {}),
      ...draftText(incident, account),
      createdAt: now,
      updatedAt: now,
      nextCheckAt: firstCheck(incident.discoveredAt, hours),
    };
    await deps.incidents.createNotice(notice);
    notices.push(notice);
  }
  // A retried step finds its notices as written before: the same deadlines (discovery + window).
  const scoped = await deps.incidents.update(incidentId, ['DETECTED'], {
    status: 'SCOPED',
    scope,
    noticeSummary: summariseNotices(notices),
    updatedAt: now,
  });
  if (scoped)
    await noteIncident(deps, incidentId, 'scoped', 'workflow', {
      accounts: scope.accounts.length,
      orders: scope.orderCount,
      files: scope.fileCount,
    });
  return { status: scoped?.status ?? incident.status, accounts: scope.accounts.length };
};
