/**
 * A lab's side of a notice (labs and lab-admins, their own account's only; another account's
 * notice is a 404, as a missing one): the list, one notice with the patient references of the
 * orders involved, decrypted only here, for the lab that owns them, after the read was audited
 * (fails closed), and the acknowledgement that records its receipt time.
 */
import { ConflictError, NotFoundError } from '../../kernel/errors';
import type { Actor } from '../../kernel/identity';
import { recordAudit } from '../audit';
import { type OrderPhi, phiContext } from '../order';
import type { AuditLog, OrderRepository, PhiCipher } from '../ports';
import { CONTACT_POINT, type IncidentBaseDeps, type Notice, noteIncident } from './model';
import { settleIncident } from './settle';

export type LabNoticeDeps = IncidentBaseDeps & { readonly audit: AuditLog };
export type LabNoticeViewDeps = LabNoticeDeps & {
  readonly orders: Pick<OrderRepository, 'get'>;
  readonly phi: Pick<PhiCipher, 'decrypt'>;
};

const LIST_LIMIT = 100;

/** What a lab sees: a notice sent to it (in full, or the automatic preliminary), not withdrawn. */
const sentToLab = (n: Notice) =>
  n.status !== 'WITHDRAWN' && (n.sentAt !== undefined || n.preliminarySentAt !== undefined);

const labView = (n: Notice) => ({
  noticeId: n.noticeId,
  status: n.status,
  /** Only the automatic preliminary notice went out so far: the full notice follows. */
  preliminary: n.sentAt === undefined,
  discoveredAt: n.discoveredAt,
  dueAt: n.dueAt,
  ...(n.preliminarySentAt ? { preliminarySentAt: n.preliminarySentAt } : {}),
  ...(n.sentAt ? { sentAt: n.sentAt } : {}),
  ...(n.acknowledgedAt ? { acknowledgedAt: n.acknowledgedAt } : {}),
  nature:
    n.sentAt === undefined
      ? `PRELIMINARY: an incident under investigation touches your account. What is known: ${n.nature} What follows: the full notice from the privacy office before ${n.dueAt}.`
      : n.nature,
  categories: n.categories,
  approximatePatients: n.approximatePatients,
  approximateRecords: n.approximateRecords,
  orderIds: n.orderIds,
  ...(n.firstEventAt ? { firstEventAt: n.firstEventAt, lastEventAt: n.lastEventAt } : {}),
  contactPoint: CONTACT_POINT,
  likelyConsequences: n.likelyConsequences,
  measuresTaken: n.measuresTaken,
  measuresProposed: n.measuresProposed,
  whatTheLabShouldDo: n.whatTheLabShouldDo,
});

export const listLabNotices = async (deps: LabNoticeDeps, actor: Actor) => {
  await recordAudit(deps, actor, { accountId: actor.accountId, action: 'notice.list', outcome: 'ALLOWED' });
  const notices = await deps.incidents.noticesByAccount(actor.accountId, LIST_LIMIT);
  return { notices: notices.filter(sentToLab).map(labView) };
};

const loadOwn = async (
  deps: LabNoticeDeps,
  actor: Actor,
  noticeId: string,
  action: 'notice.view' | 'notice.acknowledge',
) => {
  const notice = await deps.incidents.noticeOfAccount(actor.accountId, noticeId);
  if (notice && sentToLab(notice)) return notice;
  await recordAudit(deps, actor, {
    accountId: actor.accountId,
    action,
    outcome: 'DENIED',
    reason: 'NOT_FOUND',
  });
  throw new NotFoundError(`No notice ${noticeId} for your account. List them with GET /notices.`);
};

export const viewLabNotice = async (deps: LabNoticeViewDeps, actor: Actor, noticeId: string) => {
  const notice = await loadOwn(deps, actor, noticeId, 'notice.view');
  // Audited before any patient reference is decrypted: a view that cannot be audited does not happen.
  await recordAudit(deps, actor, { accountId: actor.accountId, action: 'notice.view', outcome: 'ALLOWED' });
  const patients = [];
  for (const orderId of notice.orderIds) {
    const order = await deps.orders.get(orderId);
    // The lab's own orders only; a purged order has no reference left to show.
    if (!order || order.accountId !== actor.accountId || !order.phi || order.status === 'PURGED') {
      patients.push({ orderId });
      continue;
    }
    const phi = JSON.parse(
      await deps.phi.decrypt(order.phi, phiContext(order.accountId, order.orderId)),
    ) as OrderPhi;
    patients.push({ orderId, patientReference: phi.patientRef });
  }
  return { ...labView(notice), patients };
};

export const acknowledgeLabNotice = async (deps: LabNoticeDeps, actor: Actor, noticeId: string) => {
  const notice = await loadOwn(deps, actor, noticeId, 'notice.acknowledge');
  await recordAudit(deps, actor, {
    accountId: actor.accountId,
    action: 'notice.acknowledge',
    outcome: 'ALLOWED',
  });
  if (notice.status === 'ACKNOWLEDGED') return labView(notice);
  if (notice.status !== 'SENT')
    throw new ConflictError(
      'This is the preliminary notice: the full notice follows, and that is the one to acknowledge.',
      'NOTICE_PRELIMINARY',
    );
  const now = deps.clock.now().toISOString();
  const acknowledged = await deps.incidents.updateNotice(
    notice.incidentId,
    notice.accountId,
    ['SENT'],
    { status: 'ACKNOWLEDGED', acknowledgedAt: now, acknowledgedBy: actor.sub, updatedAt: now },
    { remove: ['nextCheckAt'] },
  );
  await noteIncident(deps, notice.incidentId, 'notice-acknowledged', actor.sub, {
    accountId: notice.accountId,
  });
  await settleIncident(deps, notice.incidentId);
  return labView(
    acknowledged ?? (await deps.incidents.notice(notice.incidentId, notice.accountId)) ?? notice,
  );
};
