/**
 * POST /incidents/{incidentId}/close: the officer closes a dismissed incident, or a confirmed one
 * whose notices all went out, with a summary. From then on the register keeps it 6 years (its
 * TTL, `expiresAt`), signals about its actor open a new incident, and its workflow ends.
 */
import { ConflictError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { recordAudit } from '../audit';
import type { AuditLog } from '../ports';
import { loadIncident } from './load';
import { noteIncident, retentionExpiry } from './model';
import { joinKeysOf } from './release';
import { parseClose } from './schemas';
import { incidentSummary } from './views';
import { answerWait, type WaitDeps } from './wait';

export type CloseDeps = WaitDeps & { readonly audit: AuditLog };

const CLOSABLE = ['DISMISSED', 'NOTIFIED', 'ACKNOWLEDGED'] as const;

export const closeIncident = async (deps: CloseDeps, actor: Actor, incidentId: string, body: unknown) => {
  const { summary } = parseClose(body);
  const incident = await loadIncident(deps, actor, incidentId, 'incident.close');
  await recordAudit(deps, actor, {
    accountId: actor.accountId,
    action: 'incident.close',
    outcome: 'ALLOWED',
  });
  const token = incident.taskToken;
  if (!(CLOSABLE as readonly string[]).includes(incident.status) || incident.awaiting !== 'CLOSE' || !token)
    throw new ConflictError(
      `Incident ${incidentId} is ${incident.status}: it closes once dismissed, or once every affected account was sent its notice.`,
      'INCIDENT_NOT_CLOSABLE',
      { status: incident.status },
    );
  const now = deps.clock.now().toISOString();
  const closed = await deps.incidents.update(
    incidentId,
    CLOSABLE,
    {
      status: 'CLOSED',
      closedAt: now,
      closedBy: actor.sub,
      summary,
      expiresAt: retentionExpiry(now),
      updatedAt: now,
    },
    { remove: ['awaiting', 'taskToken'], expect: { taskToken: token } },
  );
  if (!closed) throw new ConflictError('The incident changed meanwhile: read it again.', 'CONCURRENT_UPDATE');
  await answerWait(deps, incidentId, token, { closed: 'true' }, () =>
    deps.incidents.update(
      incidentId,
      ['CLOSED'],
      { status: incident.status, awaiting: 'CLOSE', taskToken: token, updatedAt: incident.updatedAt },
      { remove: ['closedAt', 'closedBy', 'summary', 'expiresAt'] },
    ),
  );
  for (const notice of await deps.incidents.notices(incidentId))
    if (notice.nextCheckAt)
      await deps.incidents.updateNotice(
        incidentId,
        notice.accountId,
        [notice.status],
        { updatedAt: now },
        { remove: ['nextCheckAt'] },
      );
  for (const key of joinKeysOf(closed)) await deps.incidents.releaseJoinKey(key, incidentId);
  await noteIncident(deps, incidentId, 'closed', actor.sub);
  return incidentSummary(closed, deps.clock.now());
};
