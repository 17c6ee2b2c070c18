/**
 * POST /incidents/{incidentId}/containment {actorSub}: the officer suspends the incident's actor
 * in one step. A designer is deactivated (the registry's own deactivate, audited as it always is),
 * every session of the user is revoked (Cognito AdminUserGlobalSignOut: refresh tokens at once;
 * the local IdP refuses its access tokens at once too), and every order it holds goes back to the
 * queue with its slot (the lease sweep's requeue). Audited first, on the incident's timeline.
 * Repeating it changes nothing more.
 */
import { ConflictError, ValidationError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { recordAudit } from '../audit';
import { requeue } from '../design/assignments';
import { type DesignerRegistry, deactivateDesigner } from '../designers';
import type { AccountRegistry, AuditLog, IdentityProvider, Notifier, OrderRepository } from '../ports';
import { loadIncident } from './load';
import { type IncidentBaseDeps, noteIncident } from './model';
import { parseContainment } from './schemas';

export type ContainmentDeps = IncidentBaseDeps & {
  readonly audit: AuditLog;
  readonly designers: DesignerRegistry;
  readonly identity: Pick<IdentityProvider, 'signOut'>;
  readonly accounts: Pick<AccountRegistry, 'users'>;
  readonly orders: OrderRepository;
  readonly notifier: Notifier;
};

export const containIncident = async (
  deps: ContainmentDeps,
  actor: Actor,
  incidentId: string,
  body: unknown,
) => {
  const { actorSub } = parseContainment(body);
  const incident = await loadIncident(deps, actor, incidentId, 'incident.containment');
  if (!incident.actorSubs.includes(actorSub))
    throw new ValidationError([
      { field: 'actorSub', message: `Not an actor of incident ${incidentId}: use one of its actorSubs.` },
    ]);
  if (incident.status === 'CLOSED')
    throw new ConflictError(`Incident ${incidentId} is closed.`, 'INCIDENT_CLOSED', {
      status: incident.status,
    });
  await recordAudit(deps, actor, {
    accountId: actor.accountId,
    action: 'incident.containment',
    outcome: 'ALLOWED',
    targetSub: actorSub,
  });

  const designer = await deps.designers.get(actorSub);
  let username = designer?.username;
  if (designer) await deactivateDesigner(deps, actor, actorSub);
  else {
    // A lab user: found in its account's users (the signal names the account).
    const accountIds = [
      ...new Set(
        (await deps.incidents.signals(incidentId)).flatMap((s) =>
          s.actor?.sub === actorSub ? [s.actor.accountId] : [],
        ),
      ),
    ];
    for (const accountId of accountIds) {
      const user = (await deps.accounts.users(accountId)).find((u) => u.sub === actorSub);
      if (user) username = user.username;
    }
  }
  if (username) await deps.identity.signOut(username);

  const released: string[] = [];
  for (const orderId of await deps.orders.assignedTo(actorSub)) {
    const order = await deps.orders.get(orderId);
    if (
      order?.status === 'ASSIGNED' &&
      order.assignee === actorSub &&
      (await requeue(deps, order, actor.sub, 'CONTAINED'))
    )
      released.push(orderId);
  }
  const now = deps.clock.now().toISOString();
  await deps.incidents.update(incidentId, [incident.status], { containedAt: now, updatedAt: now });
  await noteIncident(deps, incidentId, 'contained', actor.sub, {
    actorSub,
    designerDeactivated: designer ? 1 : 0,
    sessionsRevoked: username ? 1 : 0,
    leasesReleased: released.length,
  });
  return {
    incidentId,
    actorSub,
    designerDeactivated: designer !== undefined,
    sessionsRevoked: username !== undefined,
    leasesReleased: released.sort(),
  };
};
