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
import { NotFoundError, TransientError } from '../../kernel/errors';
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
  type NoticeFacts,
  noteIncident,
  OPEN_INCIDENT,
  SCOPE_LOOKBACK_MS,
  type Signal,
  type SignalKind,
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

/** "a", "a and b", "a, b and c". */
const sentence = (parts: readonly string[]) =>
  parts.length < 2
    ? (parts[0] ?? 'a security signal')
    : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;

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
export const draftText = (
  incident: Incident,
  scope: AccountScope,
  kinds: readonly SignalKind[] = incident.kinds,
) => ({
  nature:
    `Caseline found ${sentence(kinds.map((k) => KIND_TEXT[k]))} involving case data of your lab: ` +
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

/** The facts of a notice from its account's scope: ids, counts, categories, dates, no PHI. */
const noticeFacts = (account: AccountScope, kinds: readonly SignalKind[]): NoticeFacts => ({
  categories: account.categories,
  // One patient reference per order: approximate, as Art 33(3)(a) allows.
  approximatePatients: account.orderIds.length,
  approximateRecords: account.orderIds.length + account.fileCount,
  orderIds: account.orderIds,
  ...(account.firstEventAt ? { firstEventAt: account.firstEventAt } : {}),
  ...(account.lastEventAt ? { lastEventAt: account.lastEventAt } : {}),
  kinds,
});

const sameList = (a: readonly string[] = [], b: readonly string[] = []) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Whether a notice's facts (or the kinds its words were drafted for) fall short of the scope's. */
const behind = (notice: NoticeFacts, facts: NoticeFacts) =>
  !sameList(notice.orderIds, facts.orderIds) ||
  !sameList(notice.categories, facts.categories) ||
  notice.approximateRecords !== facts.approximateRecords ||
  notice.firstEventAt !== facts.firstEventAt ||
  notice.lastEventAt !== facts.lastEventAt ||
  (facts.kinds ?? []).some((k) => !(notice.kinds ?? []).includes(k));

/**
 * A new account's DRAFT notice. Due at discovery + its BAA window, whenever it was found: the clock
 * starts at discovery (the first signal) and never restarts for an account a later signal added.
 */
const draftNotice = async (
  deps: ScopeDeps,
  incident: Incident,
  account: AccountScope,
  kinds: readonly SignalKind[],
): Promise<Notice> => {
  const now = deps.clock.now().toISOString();
  const record = await deps.accounts.get(account.accountId);
  const hours = record?.baa?.breachNoticeHours ?? DEFAULT_NOTICE_HOURS;
  return {
    noticeId: deps.ids.next('ntc'),
    incidentId: incident.incidentId,
    accountId: account.accountId,
    status: 'DRAFT',
    discoveredAt: incident.discoveredAt,
    dueAt: addMs(incident.discoveredAt, hours * 3_600_000),
    noticeHours: hours,
    ...noticeFacts(account, kinds),
    ...draftText(incident, account, kinds),
    createdAt: now,
    updatedAt: now,
    nextCheckAt: firstCheck(incident.discoveredAt, hours),
  };
};

/** The kinds of every signal, in the order they came. */
const kindsOf = (incident: Incident, signals: readonly Signal[]): SignalKind[] => [
  ...new Set([...incident.kinds, ...signals.map((s) => s.kind)]),
];

export const scopeIncident = async (deps: ScopeDeps, incidentId: string) => {
  const incident = await deps.incidents.get(incidentId);
  if (!incident) throw new NotFoundError(`No incident ${incidentId}.`);
  // A retried step finds it scoped: the scope stands, its notices exist (a signal that joined since
  // is taken in by its own re-scope).
  if (incident.scope) return { status: incident.status, accounts: incident.scope.accounts.length };
  const signals = await deps.incidents.signals(incidentId);
  const scope = { ...(await computeScope(deps, incident, signals)), signals: signals.length };
  const kinds = kindsOf(incident, signals);
  const now = deps.clock.now().toISOString();
  const notices: Notice[] = [];
  for (const account of scope.accounts) {
    const notice = await draftNotice(deps, incident, account, kinds);
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
  // A signal that joined while this ran may have found no scope to refresh: take it in now.
  const refreshed = await refreshScope(deps, incidentId);
  return {
    status: refreshed?.status ?? scoped?.status ?? incident.status,
    accounts: refreshed?.accounts ?? scope.accounts.length,
  };
};

/** Conditional writes that lost to a concurrent change are read again and redone this many times. */
const ATTEMPTS = 5;

/**
 * Brings an unsent draft up to the scope. Untouched by the officer: facts and words re-drafted.
 * Edited: the facts (never the officer's) refreshed, the officer's words kept, and the draft
 * flagged `scopeChangedAt` so the officer reads them again before sending. A sent notice is not
 * changed: it is flagged, with the new facts kept aside for the supplement (Art 33(4)).
 */
const refreshNotice = async (
  deps: ScopeDeps,
  incident: Incident,
  account: AccountScope,
  kinds: readonly SignalKind[],
): Promise<'created' | 'redrafted' | 'flagged' | 'current'> => {
  const facts = noticeFacts(account, kinds);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const notice = await deps.incidents.notice(incident.incidentId, account.accountId);
    if (!notice) {
      if (await deps.incidents.createNotice(await draftNotice(deps, incident, account, kinds)))
        return 'created';
      continue;
    }
    const now = deps.clock.now().toISOString();
    const expect = { expect: { updatedAt: notice.updatedAt } };
    if (notice.status === 'DRAFT') {
      if (!behind(notice, facts)) return 'current';
      const changes =
        notice.editedBy === undefined
          ? { ...facts, ...draftText(incident, account, kinds), updatedAt: now }
          : { ...facts, scopeChangedAt: now, updatedAt: now };
      const done = await deps.incidents.updateNotice(
        incident.incidentId,
        account.accountId,
        ['DRAFT'],
        changes,
        {
          ...expect,
          // Facts the scope no longer has (no first/last event) are removed, not left stale.
          remove: (['firstEventAt', 'lastEventAt'] as const).filter((k) => facts[k] === undefined),
        },
      );
      if (done) return notice.editedBy === undefined ? 'redrafted' : 'flagged';
      continue;
    }
    if (notice.status === 'WITHDRAWN') return 'current';
    if (!behind(notice.pendingScope ?? notice, facts)) return 'current';
    const done = await deps.incidents.updateNotice(
      incident.incidentId,
      account.accountId,
      ['SENT', 'ACKNOWLEDGED'],
      { pendingScope: facts, scopeChangedAt: now, updatedAt: now },
      expect,
    );
    if (done) return 'flagged';
  }
  // The workflow retries the step on this name.
  throw new TransientError(`Notice of ${account.accountId} on ${incident.incidentId} kept changing.`);
};

/**
 * After a signal joined: the scope computed again from every signal (the same reads as the first),
 * each account's notice brought up to it, the scope written. Nothing happens when the scope already
 * covers every signal (a retried step, or a second re-scope for a signal already taken in), nor on
 * an incident not yet scoped (its ScopeIncident reads every signal, then calls this) or no longer open.
 */
export const refreshScope = async (deps: ScopeDeps, incidentId: string) => {
  const incident = await deps.incidents.get(incidentId);
  if (!incident?.scope || !OPEN_INCIDENT.includes(incident.status)) return undefined;
  const signals = await deps.incidents.signals(incidentId);
  if ((incident.scope.signals ?? 0) >= signals.length)
    return { status: incident.status, accounts: incident.scope.accounts.length };
  const scope = { ...(await computeScope(deps, incident, signals)), signals: signals.length };
  const kinds = kindsOf(incident, signals);
  const outcomes = { created: 0, redrafted: 0, flagged: 0, current: 0 };
  // Notices first: a crash leaves the old scope, and the retry redoes what is left (each is idempotent).
  for (const account of scope.accounts) outcomes[await refreshNotice(deps, incident, account, kinds)]++;
  // Another run (the first scoping's own refresh, a second joined signal's) wrote this scope meanwhile:
  // the notices above changed nothing it had not, and the timeline has its entry.
  const latest = await deps.incidents.get(incidentId);
  if (latest?.scope && (latest.scope.signals ?? 0) >= signals.length && outcomes.created === 0)
    return { status: latest.status, accounts: latest.scope.accounts.length };
  const now = deps.clock.now().toISOString();
  // The list's summary (earliest unsent deadline) takes in a new account's notice at once.
  const noticeSummary = summariseNotices(await deps.incidents.notices(incidentId));
  const stored = await deps.incidents.update(incidentId, OPEN_INCIDENT, {
    scope,
    noticeSummary,
    updatedAt: now,
  });
  // A new account has a notice still to send: an incident that had sent them all is CONFIRMED again.
  const reopened =
    outcomes.created > 0
      ? await deps.incidents.update(incidentId, ['NOTIFIED', 'ACKNOWLEDGED'], {
          status: 'CONFIRMED',
          updatedAt: now,
        })
      : undefined;
  await noteIncident(deps, incidentId, 'rescoped', 'workflow', {
    signals: signals.length,
    accounts: scope.accounts.length,
    orders: scope.orderCount,
    files: scope.fileCount,
    newAccounts: outcomes.created,
    redrafted: outcomes.redrafted,
    flagged: outcomes.flagged,
  });
  return {
    status: reopened?.status ?? stored?.status ?? incident.status,
    accounts: scope.accounts.length,
  };
};
