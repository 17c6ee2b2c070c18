/**
 * What callers see of incidents and notices: never a task token, never a contact's address; the
 * time left to each account's deadline; for a lab, its own notice with the patient references of
 * its own orders only (rendered by lab-notices.ts, after the read was audited).
 */
import {
  CONTACT_POINT,
  type Incident,
  type Notice,
  OPEN_INCIDENT,
  type Signal,
  type TimelineEntry,
} from './model';

/**
 * The deadlines as the list shows them, from the incident alone (its notice summary): how many
 * accounts are affected and, while the incident is open, how many notices are not sent yet and the
 * earliest of their deadlines with the time left to it (negative once passed).
 */
const deadlineSummary = (i: Incident, now: Date) => {
  const s = i.noticeSummary;
  if (!s) return i.scope ? { affectedAccounts: i.scope.accounts.length } : {};
  if (!OPEN_INCIDENT.includes(i.status)) return { affectedAccounts: s.accounts };
  return {
    affectedAccounts: s.accounts,
    unsentNotices: s.unsent,
    ...(s.nextDueAt && s.nextDueAccountId
      ? {
          nextDueAt: s.nextDueAt,
          nextDueAccountId: s.nextDueAccountId,
          msLeft: Date.parse(s.nextDueAt) - now.getTime(),
        }
      : {}),
  };
};

export const incidentSummary = (i: Incident, now: Date) => ({
  incidentId: i.incidentId,
  status: i.status,
  discoveredAt: i.discoveredAt,
  kinds: i.kinds,
  signalCount: i.signalCount,
  ...(i.pagedAt ? { pagedAt: i.pagedAt } : {}),
  ...(i.pagedKinds ? { pagedKinds: i.pagedKinds } : {}),
  ...(i.closedAt ? { closedAt: i.closedAt } : {}),
  ...deadlineSummary(i, now),
});

export const noticeView = (n: Notice, now: Date) => ({
  noticeId: n.noticeId,
  incidentId: n.incidentId,
  accountId: n.accountId,
  status: n.status,
  discoveredAt: n.discoveredAt,
  dueAt: n.dueAt,
  noticeHours: n.noticeHours,
  /** Negative once the deadline has passed. */
  msLeft: Date.parse(n.dueAt) - now.getTime(),
  nature: n.nature,
  categories: n.categories,
  approximatePatients: n.approximatePatients,
  approximateRecords: n.approximateRecords,
  orderIds: n.orderIds,
  patientReferences:
    'Shown to the lab only: its users open the notice in Caseline (GET /notices/{noticeId}).',
  ...(n.firstEventAt ? { firstEventAt: n.firstEventAt, lastEventAt: n.lastEventAt } : {}),
  contactPoint: CONTACT_POINT,
  likelyConsequences: n.likelyConsequences,
  measuresTaken: n.measuresTaken,
  measuresProposed: n.measuresProposed,
  whatTheLabShouldDo: n.whatTheLabShouldDo,
  ...(n.preliminarySentAt ? { preliminarySentAt: n.preliminarySentAt } : {}),
  ...(n.sentAt ? { sentAt: n.sentAt, sendCount: n.sendCount } : {}),
  ...(n.acknowledgedAt ? { acknowledgedAt: n.acknowledgedAt } : {}),
  ...(n.alert50At ? { alert50At: n.alert50At } : {}),
  ...(n.alert80At ? { alert80At: n.alert80At } : {}),
  ...(n.kinds ? { kinds: n.kinds } : {}),
  // The scope grew after the officer's words or after the send: read again, or send a supplement.
  ...(n.scopeChangedAt ? { scopeChangedAt: n.scopeChangedAt } : {}),
  ...(n.pendingScope ? { pendingScope: n.pendingScope } : {}),
});

const signalView = (s: Signal) => ({
  signalId: s.signalId,
  kind: s.kind,
  at: s.at,
  ...(s.actor ? { actor: s.actor } : {}),
  ...(s.resource ? { resource: s.resource } : {}),
  accountIds: s.accountIds,
  orderIds: s.orderIds,
  ...(s.detail ? { detail: s.detail } : {}),
  ...(s.note ? { note: s.note } : {}),
});

export const incidentDetail = (
  i: Incident,
  signals: readonly Signal[],
  timeline: readonly TimelineEntry[],
  notices: readonly Notice[],
  now: Date,
) => ({
  ...incidentSummary(i, now),
  openedAt: i.openedAt,
  actorSubs: i.actorSubs,
  resources: i.resources,
  ...(i.scope ? { scope: i.scope } : {}),
  ...(i.triage ? { triage: i.triage } : {}),
  ...(i.containedAt ? { containedAt: i.containedAt } : {}),
  ...(i.summary ? { summary: i.summary, closedBy: i.closedBy } : {}),
  ...(i.awaiting ? { awaiting: i.awaiting } : {}),
  signals: signals.map(signalView),
  timeline: [...timeline].sort((a, b) => a.at.localeCompare(b.at)),
  notices: [...notices].sort((a, b) => a.accountId.localeCompare(b.accountId)).map((n) => noticeView(n, now)),
});
