/**
 * Audit events: one for every read or hand-out of PHI and every denied attempt, written BEFORE
 * the read. If the write fails the read does not happen (AuditUnavailableError, a 503).
 */

import type { Role } from '../../common/roles';
import { AuditUnavailableError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import type { AuditLog, Deps } from './ports';

export type AuditAction =
  | 'order.create'
  | 'order.view'
  | 'order.list'
  | 'order.submit'
  | 'order.cancel'
  | 'file.declare'
  | 'file.upload-url'
  | 'file.complete'
  | 'designer.list'
  | 'designer.change'
  | 'queue.claim'
  | 'assignment.view'
  | 'assignment.heartbeat'
  | 'assignment.list'
  | 'assignment.inputs'
  | 'assignment.upload-url'
  | 'assignment.submit'
  | 'assignment.release'
  | 'order.deliverables'
  | 'order.inputs'
  | 'order.accept'
  | 'order.revise'
  | 'order.delete-request'
  | 'order.delete-withdraw'
  | 'order.certificate'
  | 'account.terminate'
  | 'access.forbidden'
  | 'account.policy'
  | 'account.create'
  | 'account.view'
  | 'account.list'
  | 'account.update'
  | 'account.user-invite'
  | 'account.user-list'
  | 'account.user-remove'
  | 'order.resume'
  // Data portability: a lab-admin's request, its status and download link, and each read the job makes.
  | 'export.request'
  | 'export.status'
  | 'export.list'
  | 'export.download'
  | 'export.order'
  | 'export.file'
  | 'audit.read'
  | 'audit.digests'
  // GET /accounts/{accountId}/processing-record (processing-record.ts).
  | 'account.processing-record'
  // Audit exports: the request, its status and the download link (domain/audit-exports.ts).
  | 'audit.export-request'
  | 'audit.export-status'
  | 'audit.export-list'
  | 'audit.export-download'
  // Security incidents (domain/incidents/): a report, the officer's and auditor's reads and acts,
  // and a lab's reads of its notices (the notice view decrypts patient references: audited first).
  | 'incident.report'
  | 'incident.list'
  | 'incident.view'
  | 'incident.register'
  | 'incident.triage'
  | 'incident.notice-edit'
  | 'incident.notice-send'
  | 'incident.containment'
  | 'incident.close'
  | 'notice.list'
  | 'notice.view'
  | 'notice.acknowledge';

export interface AuditEvent {
  readonly eventId: string;
  readonly at: string;
  /** The account whose data was touched (the owner), so a lab's audit shows attempts on its data. */
  readonly accountId: string;
  readonly actorSub: string;
  readonly actorRole: Role | 'none';
  readonly actorAccountId: string;
  readonly action: AuditAction;
  readonly outcome: 'ALLOWED' | 'DENIED';
  readonly sourceIp: string;
  readonly orderId?: string;
  readonly fileId?: string;
  /** A code (NOT_OWNER, NOT_FOUND, WRONG_STATE, WRONG_ROLE): never free text. */
  readonly reason?: string;
  /** The API route, for refusals decided before any order was read. */
  readonly route?: string;
  /** The user an account action was about (the `sub`, never a name or an e-mail address). */
  readonly targetSub?: string;
}

/** What writing an audit event takes: the log, the time and an event id. */
export type AuditDeps = Pick<Deps, 'audit' | 'clock' | 'ids'>;

export const recordAudit = async (
  deps: AuditDeps,
  actor: Actor,
  event: Pick<AuditEvent, 'accountId' | 'action' | 'outcome'> &
    Partial<Pick<AuditEvent, 'orderId' | 'fileId' | 'reason' | 'targetSub'>>,
): Promise<void> => {
  const full: AuditEvent = {
    eventId: deps.ids.next('aud'),
    at: deps.clock.now().toISOString(),
    actorSub: actor.sub,
    actorRole: actor.roles[0] ?? 'none',
    actorAccountId: actor.accountId,
    sourceIp: actor.sourceIp,
    ...event,
  };
  await appendOrFailClosed(deps.audit, full);
};

const appendOrFailClosed = async (audit: AuditLog, event: AuditEvent) => {
  try {
    await audit.append(event);
  } catch (cause) {
    throw new AuditUnavailableError({ cause });
  }
};
