/**
 * Deadlines are enforced, not just shown (scheduled every 5 minutes on AWS; on the local stack
 * also whenever the clock is advanced). Each account's notice is due at discovery + its BAA window;
 * the sweep reads only the notices whose next check fell due (the byTimer index, never the table):
 *
 * - not yet sent: officers and operators are alerted at 50% and at 80% of the window, once each;
 *   at 90% (PRELIMINARY_FRACTION), the incident neither dismissed nor notified, a preliminary
 *   notice goes to the account's breach contacts by itself, so no partner is told late;
 * - sent and not acknowledged: sent again, to the account's next contact, every 12 hours.
 *
 * Idempotent: each act is claimed by a conditional write first (an attribute that must be absent,
 * or the value the sweep read), and only the winner publishes; a publish that fails gives the
 * claim back, so the next run tries again. Two sweeps at once, or a re-run, send nothing twice.
 */
import type { AccountRegistry, Notifier } from '../ports';
import { deliverNotice } from './deliver';
import {
  ALERT_FRACTIONS,
  addMs,
  type IncidentBaseDeps,
  type Notice,
  noteIncident,
  PRELIMINARY_FRACTION,
  RESEND_AFTER_MS,
} from './model';

export type DeadlineDeps = IncidentBaseDeps & {
  readonly accounts: Pick<AccountRegistry, 'get'>;
  readonly notifier: Notifier;
};

const BATCH = 100;

interface SweepResult {
  checked: number;
  alerts: number;
  preliminary: number;
  resent: number;
  failed: number;
}

/** The instant `fraction` of the notice's window has passed. */
const mark = (n: Notice, fraction: number) => {
  const start = Date.parse(n.discoveredAt);
  return new Date(start + fraction * (Date.parse(n.dueAt) - start)).toISOString();
};

/** The next check of a notice not yet sent: its next threshold still ahead, else none. */
const nextDraftCheck = (n: Notice, now: string): string | undefined =>
  [...ALERT_FRACTIONS, PRELIMINARY_FRACTION].map((f) => mark(n, f)).find((at) => at > now);

const ALERT_ATTR = { 0.5: 'alert50At', 0.8: 'alert80At' } as const;

const alertAt = async (deps: DeadlineDeps, n: Notice, fraction: 0.5 | 0.8, now: string, r: SweepResult) => {
  const attr = ALERT_ATTR[fraction];
  if (n[attr] !== undefined || now < mark(n, fraction)) return;
  const claimed = await deps.incidents.updateNotice(
    n.incidentId,
    n.accountId,
    ['DRAFT'],
    { [attr]: now },
    {
      expect: { [attr]: null },
    },
  );
  if (!claimed) return;
  const percent = String(fraction * 100);
  const facts = {
    incidentId: n.incidentId,
    accountId: n.accountId,
    noticeId: n.noticeId,
    percent,
    dueAt: n.dueAt,
  };
  try {
    await deps.notifier.notify('incident.deadline', { audience: 'privacy-officer', ...facts });
    await deps.notifier.operatorAlert(`Breach notice ${percent}% of its window gone, not sent`, facts);
  } catch (error) {
    await deps.incidents.updateNotice(
      n.incidentId,
      n.accountId,
      ['DRAFT'],
      {},
      {
        remove: [attr],
        expect: { [attr]: now },
      },
    );
    throw error;
  }
  r.alerts++;
  await noteIncident(deps, n.incidentId, `alert-${percent}`, 'deadline-sweep', { accountId: n.accountId });
};

const preliminary = async (deps: DeadlineDeps, n: Notice, now: string, r: SweepResult) => {
  if (n.preliminarySentAt !== undefined || now < mark(n, PRELIMINARY_FRACTION)) return;
  const claimed = await deps.incidents.updateNotice(
    n.incidentId,
    n.accountId,
    ['DRAFT'],
    { preliminarySentAt: now, updatedAt: now },
    { expect: { preliminarySentAt: null } },
  );
  if (!claimed) return;
  try {
    await deliverNotice(deps, claimed, 'incident.notice-preliminary', 'breach-contacts');
  } catch (error) {
    await deps.incidents.updateNotice(
      n.incidentId,
      n.accountId,
      ['DRAFT'],
      {},
      {
        remove: ['preliminarySentAt'],
        expect: { preliminarySentAt: now },
      },
    );
    throw error;
  }
  r.preliminary++;
  await noteIncident(deps, n.incidentId, 'notice-preliminary', 'deadline-sweep', {
    accountId: n.accountId,
    dueAt: n.dueAt,
  });
};

const resend = async (deps: DeadlineDeps, n: Notice, now: string, r: SweepResult) => {
  const last = n.lastSentAt ?? n.sentAt ?? now;
  const dueAgain = addMs(last, RESEND_AFTER_MS);
  if (now < dueAgain) {
    await deps.incidents.updateNotice(n.incidentId, n.accountId, ['SENT'], { nextCheckAt: dueAgain });
    return;
  }
  const count = n.sendCount ?? 1;
  const claimed = await deps.incidents.updateNotice(
    n.incidentId,
    n.accountId,
    ['SENT'],
    { lastSentAt: now, sendCount: count + 1, nextCheckAt: addMs(now, RESEND_AFTER_MS), updatedAt: now },
    { expect: { lastSentAt: last } },
  );
  if (!claimed) return;
  try {
    // The next contact in the account's list (breach contacts first): one more person who can act.
    await deliverNotice(deps, claimed, 'incident.notice-reminder', { index: count });
  } catch (error) {
    await deps.incidents.updateNotice(
      n.incidentId,
      n.accountId,
      ['SENT'],
      { lastSentAt: last, sendCount: count, nextCheckAt: now },
      { expect: { lastSentAt: now } },
    );
    throw error;
  }
  r.resent++;
  await noteIncident(deps, n.incidentId, 'notice-resent', 'deadline-sweep', {
    accountId: n.accountId,
    send: count + 1,
  });
};

const check = async (deps: DeadlineDeps, incidentId: string, accountId: string, r: SweepResult) => {
  const [notice, incident] = await Promise.all([
    deps.incidents.notice(incidentId, accountId),
    deps.incidents.get(incidentId),
  ]);
  if (!notice) return;
  const now = deps.clock.now().toISOString();
  const settled =
    !incident ||
    incident.status === 'DISMISSED' ||
    incident.status === 'CLOSED' ||
    notice.status === 'WITHDRAWN' ||
    notice.status === 'ACKNOWLEDGED';
  if (settled) {
    await deps.incidents.updateNotice(
      incidentId,
      accountId,
      [notice.status],
      {},
      { remove: ['nextCheckAt'] },
    );
    return;
  }
  r.checked++;
  if (notice.status === 'SENT') {
    await resend(deps, notice, now, r);
    return;
  }
  await alertAt(deps, notice, 0.5, now, r);
  await alertAt(deps, notice, 0.8, now, r);
  await preliminary(deps, notice, now, r);
  const next = nextDraftCheck(notice, now);
  await deps.incidents.updateNotice(
    incidentId,
    accountId,
    ['DRAFT'],
    next ? { nextCheckAt: next } : {},
    next ? {} : { remove: ['nextCheckAt'] },
  );
};

export const sweepIncidentDeadlines = async (deps: DeadlineDeps): Promise<SweepResult> => {
  const r: SweepResult = { checked: 0, alerts: 0, preliminary: 0, resent: 0, failed: 0 };
  const due = await deps.incidents.noticesDue(deps.clock.now().toISOString(), BATCH);
  for (const { incidentId, accountId } of due) {
    try {
      await check(deps, incidentId, accountId, r);
    } catch {
      // This notice is tried again on the next run (its claim was given back); the others go on.
      r.failed++;
      await deps.notifier
        .operatorAlert('Breach notice deadline check failed', { incidentId, accountId })
        .catch(() => undefined);
    }
  }
  return r;
};
