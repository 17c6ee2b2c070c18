/**
 * Containment (domain/incidents/containment.ts): one step suspends the incident's actor, a
 * designer deactivated through the registry's own deactivate, its sessions revoked, the orders it
 * holds back in the queue with their slots; audited first and on the timeline; only an actor of
 * the incident, and a repeat changes nothing more.
 */
import { describe, expect, it } from 'vitest';
import { containIncident } from '../../lambdas/domain/incidents/containment';
import { raiseSignal } from '../../lambdas/domain/incidents/raise-signal';
import { makeActor, makeDesignDeps } from '../support/fakes';
import { MemoryIncidents, MemoryIncidentWorkflow } from '../support/incident-fakes';
import { makeOrder } from '../support/order-repository-contract';

const officer = makeActor({ sub: 'u-po-olivia', roles: ['privacy-officer'], accountId: 'caseline' });

const setup = async () => {
  const base = makeDesignDeps({ 'u-des-priya': { skills: ['crown'], capacity: 3 } });
  const deps = { ...base, incidents: new MemoryIncidents(), incidentWorkflow: new MemoryIncidentWorkflow() };
  const held = makeOrder({ accountId: 'lab-acme', status: 'ASSIGNED', assignee: 'u-des-priya' });
  await deps.orders.create(held, {});
  await deps.orders.transition(
    held.orderId,
    ['ASSIGNED'],
    { updatedAt: held.updatedAt },
    {
      indexes: { assignee: { sub: 'u-des-priya', since: held.createdAt } },
    },
  );
  await deps.designers.acquireSlot('u-des-priya');
  const { incidentId } = await raiseSignal(deps, {
    signalId: 'sig-contain',
    kind: 'bulk-access',
    at: deps.clock.now().toISOString(),
    actor: { sub: 'u-des-priya', role: 'designer', accountId: 'caseline' },
    accountIds: [],
    orderIds: [],
  });
  return { deps, incidentId, orderId: held.orderId };
};

describe('containIncident', () => {
  it('deactivates the designer, revokes its sessions and requeues what it holds, audited', async () => {
    // Prepare
    const { deps, incidentId, orderId } = await setup();
    // Act
    const result = await containIncident(deps, officer, incidentId, { actorSub: 'u-des-priya' });
    // Assess
    expect(result).toEqual({
      incidentId,
      actorSub: 'u-des-priya',
      designerDeactivated: true,
      sessionsRevoked: true,
      leasesReleased: [orderId],
    });
    expect((await deps.designers.get('u-des-priya'))?.enabled).toBe(false);
    expect((await deps.designers.get('u-des-priya'))?.activeJobs).toBe(0);
    expect(deps.identity.signedOut).toEqual(['u-des-priya']);
    expect((await deps.orders.get(orderId))?.status).toBe('QUEUED');
    expect(deps.audit.events.map((e) => [e.action, e.outcome, e.targetSub ?? e.reason])).toEqual([
      ['incident.containment', 'ALLOWED', 'u-des-priya'],
      ['designer.change', 'ALLOWED', 'DEACTIVATE'],
    ]);
    expect((await deps.incidents.timeline(incidentId)).map((e) => e.type)).toContain('contained');
    expect(deps.incidents.incidents.get(incidentId)?.containedAt).toBeDefined();
  });

  it('refuses an actor the incident is not about, and changes nothing', async () => {
    // Prepare
    const { deps, incidentId } = await setup();
    // Act
    const refused = containIncident(deps, officer, incidentId, { actorSub: 'u-des-marco' });
    // Assess
    await expect(refused).rejects.toMatchObject({
      name: 'ValidationError',
      details: { fields: [expect.objectContaining({ field: 'actorSub' })] },
    });
    expect((await deps.designers.get('u-des-priya'))?.enabled).toBe(true);
    expect(deps.identity.signedOut).toEqual([]);
  });
});
