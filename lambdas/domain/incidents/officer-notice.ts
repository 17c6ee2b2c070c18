/**
 * The officer's notice to one affected account: PUT edits its words (each screened for PHI like
 * order notes), POST sends it. A notice goes out only once the incident is confirmed; sending it
 * again after an edit is a supplement (GDPR Art 33(4)), and carries the facts a grown scope left
 * aside (`pendingScope`, rescope.ts). The message carries ids and a link only
 * (deliver.ts); the deadline sweep then re-sends it to the next contact while it is not
 * acknowledged. Every change is audited against the lab's account.
 */
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { recordAudit } from '../audit';
import type { AccountRegistry, AuditLog, Notifier } from '../ports';
import { deliverNotice } from './deliver';
import { loadIncident } from './load';
import { addMs, type IncidentBaseDeps, noteIncident, RESEND_AFTER_MS } from './model';
import { parseNoticeEdit } from './schemas';
import { settleIncident } from './settle';
import { noticeView } from './views';

export type OfficerNoticeDeps = IncidentBaseDeps & {
  readonly audit: AuditLog;
  readonly accounts: Pick<AccountRegistry, 'get'>;
  readonly notifier: Notifier;
};

const loadNotice = async (deps: OfficerNoticeDeps, actor: Actor, incidentId: string, accountId: string) => {
  const action = 'incident.notice-edit' as const;
  await loadIncident(deps, actor, incidentId, action);
  const notice = await deps.incidents.notice(incidentId, accountId);
  if (notice) return notice;
  await recordAudit(deps, actor, { accountId, action, outcome: 'DENIED', reason: 'NOT_FOUND' });
  throw new NotFoundError(
    `Incident ${incidentId} has no notice for ${accountId}: it is not an affected account.`,
  );
};

export const editNotice = async (
  deps: OfficerNoticeDeps,
  actor: Actor,
  incidentId: string,
  accountId: string,
  body: unknown,
) => {
  const edit = parseNoticeEdit(body);
  const notice = await loadNotice(deps, actor, incidentId, accountId);
  await recordAudit(deps, actor, { accountId, action: 'incident.notice-edit', outcome: 'ALLOWED' });
  const now = deps.clock.now().toISOString();
  const edited = await deps.incidents.updateNotice(
    incidentId,
    accountId,
    ['DRAFT', 'SENT', 'ACKNOWLEDGED'],
    { ...edit, editedBy: actor.sub, updatedAt: now },
    {
      expect: { updatedAt: notice.updatedAt },
      // A draft's words are now the officer's, written with the grown scope in view; a sent notice
      // stays flagged until its supplement goes.
      remove: notice.status === 'DRAFT' ? ['scopeChangedAt'] : [],
    },
  );
  if (!edited)
    throw new ConflictError(
      'The notice changed meanwhile (or was withdrawn): read it again and repeat the edit.',
      'CONCURRENT_UPDATE',
    );
  await noteIncident(deps, incidentId, 'notice-edited', actor.sub, { accountId });
  return noticeView(edited, deps.clock.now());
};

export const sendNotice = async (
  deps: OfficerNoticeDeps,
  actor: Actor,
  incidentId: string,
  accountId: string,
) => {
  const notice = await loadNotice(deps, actor, incidentId, accountId);
  const incident = await deps.incidents.get(incidentId);
  await recordAudit(deps, actor, { accountId, action: 'incident.notice-send', outcome: 'ALLOWED' });
  if (
    !incident ||
    !['CONFIRMED', 'NOTIFIED', 'ACKNOWLEDGED'].includes(incident.status) ||
    notice.status === 'WITHDRAWN'
  )
    throw new ConflictError(
      `Incident ${incidentId} is ${incident?.status}: notices go out once it is confirmed (POST /incidents/${incidentId}/triage).`,
      'INCIDENT_NOT_CONFIRMED',
      { status: incident?.status },
    );
  // Fallible work first: the contacts are told, then the notice is recorded as sent.
  const supplement = notice.status !== 'DRAFT';
  const reached = await deliverNotice(deps, notice, 'incident.notice', 'breach-contacts');
  if (reached === 0)
    throw new ConflictError(
      `Account ${accountId} has no security contact to send the notice to: an operator or its lab-admin adds one (PATCH /accounts/${accountId}).`,
      'NO_CONTACT',
    );
  const now = deps.clock.now().toISOString();
  const sent = await deps.incidents.updateNotice(
    incidentId,
    accountId,
    ['DRAFT', 'SENT', 'ACKNOWLEDGED'],
    {
      ...(supplement ? {} : { status: 'SENT', sentAt: now, sentBy: actor.sub }),
      // The supplement (Art 33(4)) carries the facts the scope grew to since the notice was sent.
      ...(notice.pendingScope ?? {}),
      lastSentAt: now,
      sendCount: (notice.sendCount ?? 0) + 1,
      updatedAt: now,
      // Watched for acknowledgement from now on: re-sent to the next contact after RESEND_AFTER_MS.
      ...(notice.status === 'ACKNOWLEDGED' ? {} : { nextCheckAt: addMs(now, RESEND_AFTER_MS) }),
    },
    {
      remove: [
        ...(notice.status === 'ACKNOWLEDGED' ? (['nextCheckAt'] as const) : []),
        ...(notice.scopeChangedAt ? (['scopeChangedAt'] as const) : []),
        ...(notice.pendingScope ? (['pendingScope'] as const) : []),
      ],
    },
  );
  await noteIncident(deps, incidentId, supplement ? 'notice-supplement' : 'notice-sent', actor.sub, {
    accountId,
    contacts: reached,
  });
  await settleIncident(deps, incidentId);
  return noticeView(sent ?? notice, deps.clock.now());
};
