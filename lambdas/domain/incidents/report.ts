/**
 * POST /incidents/reports: anyone signed in tells the privacy office something went wrong (a
 * designer who downloaded the wrong case, a lab whose laptop was stolen). The report becomes a
 * `report` signal: it opens an incident, or joins the reporter's open one. The description is
 * screened for PHI like order notes and kept with the signal; the page never carries it.
 */
import type { Actor } from '../../kernel/identity';
import { recordAudit } from '../audit';
import type { AuditLog } from '../ports';
import { type RaiseSignalDeps, raiseSignal } from './raise-signal';
import { parseReport } from './schemas';

export type ReportDeps = RaiseSignalDeps & { readonly audit: AuditLog };

export const reportIncident = async (deps: ReportDeps, actor: Actor, body: unknown) => {
  const report = parseReport(body);
  const signalId = deps.ids.next('sig');
  // Audited before anything is written: the report is itself on the trail, with the reporter.
  await recordAudit(deps, actor, {
    accountId: actor.accountId,
    action: 'incident.report',
    outcome: 'ALLOWED',
    reason: report.category.toUpperCase().replaceAll('-', '_'),
  });
  const raised = await raiseSignal(deps, {
    signalId,
    kind: 'report',
    at: deps.clock.now().toISOString(),
    actor: { sub: actor.sub, role: actor.roles[0] ?? 'none', accountId: actor.accountId },
    accountIds: actor.roles.some((r) => r === 'lab' || r === 'lab-admin') ? [actor.accountId] : [],
    orderIds: report.orderIds,
    detail: { category: report.category, orders: report.orderIds.length },
    note: report.description,
  });
  return { incidentId: raised.incidentId, signalId, opened: raised.opened };
};
