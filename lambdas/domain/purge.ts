/**
 * Retention, purge and deletion on request, each ending in a signed deletion certificate.
 *
 * - An archived order carries a PURGE timer at `purgeAfter` (archive date + account retention).
 * - A lab may ask for an order's files, or the whole order, to be deleted sooner: it is hidden at
 *   once and its PURGE timer moves to the end of a grace period (30 days by default), during
 *   which the lab may withdraw the request.
 * - The purge sweep takes due orders from that timer index (cost grows with the orders due, not
 *   with the tables), deletes every object version under the order's prefix, strips PHI from the
 *   records, and signs a certificate. A crash halfway leaves the order PURGING with its timer
 *   still due, so the next sweep finishes it; the manifest of what was there is written before
 *   anything is deleted, so the certificate of a resumed purge is still complete.
 * - Account termination purges every order of the account and signs one summary certificate.
 */
import { BACKUP_WINDOWS } from '../../lib/definitions';
import { ConflictError, NotFoundError } from '../shared/errors';
import { type Actor, requireRole } from '../shared/identity';
import { recordAudit } from './audit';
import {
  backupsClearBy,
  type CertificateSigner,
  type DeletedObject,
  type DeletionCertificate,
  type SignedCertificate,
  signCertificate,
  signedCertificateSha256,
} from './certificate';
import { acceptDelivery, type DesignDeps } from './design';
import { type Order, orderPrefix } from './order';
import { cancelOrder, loadOwnedOrder } from './orders';

export interface PurgedObject {
  readonly key: string;
  readonly versionId?: string;
  readonly sizeBytes: number;
  readonly etag?: string;
  readonly deleteMarker?: boolean;
}

export interface Purger {
  purgePrefix(prefix: string): Promise<PurgedObject[]>;
  remaining(prefix: string): Promise<PurgedObject[]>;
}

export interface PurgeStore {
  /** Writes the manifest once; a second call returns the first manifest unchanged. */
  saveManifest(orderId: string, objects: readonly PurgedObject[]): Promise<readonly PurgedObject[]>;
  /** Removes PHI from the order record and its files; `scope: 'files'` keeps the order's own PHI. */
  anonymise(orderId: string, scope: 'files' | 'order'): Promise<string[]>;
  saveCertificate(
    owner: { orderId: string } | { accountId: string },
    signed: SignedCertificate,
  ): Promise<void>;
  orderCertificate(orderId: string): Promise<SignedCertificate | undefined>;
}

export type PurgeDeps = DesignDeps & {
  readonly purger: Purger;
  readonly purgeStore: PurgeStore;
  readonly signer: CertificateSigner;
};

export const PURGE_PROCESS = 'caseline purge-sweep';

const addDays = (d: Date, days: number) => new Date(d.getTime() + days * 86_400_000);

const hidden = (order: Order) => Boolean(order.deletionRequest && order.deletionRequest.scope === 'order');

/** Purges one order; idempotent (a purged order returns its certificate) and resumable. */
export const purgeOrder = async (
  deps: PurgeDeps,
  orderId: string,
  reason: DeletionCertificate['reason'],
): Promise<SignedCertificate | undefined> => {
  let order = await deps.orders.get(orderId);
  if (!order) return undefined;
  if (order.status === 'PURGED') return deps.purgeStore.orderCertificate(orderId);
  const scope = reason === 'lab-request' && order.deletionRequest?.scope === 'files' ? 'files' : 'order';
  if (order.status !== 'PURGING') {
    const now = deps.clock.now().toISOString();
    order = await deps.orders.transition(orderId, [order.status], {
      status: 'PURGING',
      purgeStartedAt: now,
      updatedAt: now,
    });
    if (!order) throw Object.assign(new Error('order changed during purge'), { name: 'PurgeConflictError' });
  }
  const prefix = orderPrefix(order.accountId, orderId);
  // What was there, recorded before anything is deleted: a resumed purge certifies it all.
  const manifest = await deps.purgeStore.saveManifest(orderId, await deps.purger.remaining(prefix));
  await deps.purger.purgePrefix(prefix);
  const left = await deps.purger.remaining(prefix);
  if (left.length)
    throw Object.assign(new Error(`${left.length} objects survived the purge`), {
      name: 'PurgeIncompleteError',
    });
  const recordsAnonymised = await deps.purgeStore.anonymise(orderId, scope);
  const files = await deps.orders.files(orderId);
  // A declared SHA-256 describes the object as uploaded: attach it only where one version exists.
  const versionsPerKey = new Map<string, number>();
  for (const o of manifest)
    if (!o.deleteMarker) versionsPerKey.set(o.key, (versionsPerKey.get(o.key) ?? 0) + 1);
  const shaByKey = new Map(
    files.filter((f) => versionsPerKey.get(f.key) === 1).map((f) => [f.key, f.sha256]),
  );
  const deletedAt = deps.clock.now();
  const certificate: DeletionCertificate = {
    certificateId: deps.ids.next('cert'),
    kind: 'order',
    accountId: order.accountId,
    orderId,
    reason,
    deletedAt: deletedAt.toISOString(),
    process: PURGE_PROCESS,
    objects: manifest.map(
      (o): DeletedObject => ({
        key: o.key,
        ...(o.versionId ? { versionId: o.versionId } : {}),
        sizeBytes: o.sizeBytes,
        ...(shaByKey.get(o.key) ? { sha256: shaByKey.get(o.key) } : {}),
        ...(o.deleteMarker ? { deleteMarker: true } : {}),
      }),
    ),
    recordsAnonymised,
    backupsClearBy: backupsClearBy(deletedAt, {
      noncurrentVersionDays: BACKUP_WINDOWS.noncurrentVersionDays,
      pointInTimeRecoveryDays: Math.max(
        BACKUP_WINDOWS.pointInTimeRecoveryDays,
        BACKUP_WINDOWS.backupPlanDays,
      ),
    }),
  };
  const signed = await signCertificate(deps.signer, certificate);
  await deps.purgeStore.saveCertificate({ orderId }, signed);
  await deps.orders.transition(
    orderId,
    ['PURGING'],
    {
      status: 'PURGED',
      purgedAt: deletedAt.toISOString(),
      certificateId: certificate.certificateId,
      updatedAt: deletedAt.toISOString(),
    },
    { indexes: { pending: null, queue: null, assignee: null, due: null } },
  );
  await deps.orders.addTimeline({
    orderId,
    at: deletedAt.toISOString(),
    type: 'PURGED',
    by: PURGE_PROCESS,
    detail: { objects: manifest.length, certificateId: certificate.certificateId },
  });
  // An order purged while a designer held it (account termination) gives the designer's slot back.
  if (order.assignee) await deps.designers.releaseSlot(order.assignee);
  await deps.notifier.notify('order.purged', {
    orderId,
    accountId: order.accountId,
    certificateId: certificate.certificateId,
  });
  return signed;
};

/** Scheduled: purges the orders whose PURGE timer is due. A failure reaches the operators. */
export const sweepPurges = async (deps: PurgeDeps, limit = 100) => {
  const due = await deps.orders.pendingBefore('PURGE', deps.clock.now().toISOString(), limit);
  let purged = 0;
  let failed = 0;
  for (const orderId of due) {
    const order = await deps.orders.get(orderId);
    try {
      const reason = order?.deletionRequest ? 'lab-request' : 'retention-expired';
      if (await purgeOrder(deps, orderId, reason)) purged++;
    } catch (error) {
      failed++;
      await deps.notifier.operatorAlert('Purge failed; the next sweep retries it', {
        orderId,
        errorName: error instanceof Error ? error.name : 'Error',
      });
    }
  }
  return { due: due.length, purged, failed };
};

const loadOwn = async (deps: PurgeDeps, actor: Actor, orderId: string) => {
  requireRole(actor, 'lab');
  return loadOwnedOrder(deps, actor, orderId, 'order.delete-request');
};

/**
 * A lab asks for an order's files, or the whole order, to be deleted. A draft is simply cancelled.
 * A delivered order is accepted first (the lab is done with it).
 */
export const requestDeletion = async (
  deps: PurgeDeps,
  actor: Actor,
  orderId: string,
  scope: 'files' | 'order',
) => {
  const order = await loadOwn(deps, actor, orderId);
  if (order.status === 'DRAFT' && scope === 'order') return cancelOrder(deps, actor, orderId);
  if (!['DELIVERED', 'ACCEPTED', 'ARCHIVED'].includes(order.status)) {
    throw new ConflictError(
      `Order ${orderId} is ${order.status}: case files can be deleted once the design is delivered. Cancel a draft with DELETE /orders/${orderId}.`,
      'WRONG_STATE',
      { status: order.status },
    );
  }
  if (order.deletionRequest) return { orderId, ...order.deletionRequest };
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.delete-request',
    outcome: 'ALLOWED',
    orderId,
  });
  const policy = await deps.policies.policyFor(order.accountId);
  const now = deps.clock.now();
  const purgeAt = addDays(now, policy.deletionGraceDays).toISOString();
  const request = { scope, requestedAt: now.toISOString(), requestedBy: actor.sub, purgeAt };
  const moved = await deps.orders.transition(
    orderId,
    [order.status],
    { deletionRequest: request, updatedAt: now.toISOString() },
    order.status === 'ARCHIVED' ? { indexes: { pending: { name: 'PURGE', at: purgeAt } } } : {},
  );
  if (!moved) throw new ConflictError(`Order ${orderId} changed meanwhile; try again.`, 'WRONG_STATE');
  await deps.orders.addTimeline({
    orderId,
    at: now.toISOString(),
    type: 'DELETION_REQUESTED',
    by: actor.sub,
    detail: { scope },
  });
  if (order.status === 'DELIVERED') await acceptDelivery(deps, actor, orderId);
  return { orderId, ...request };
};

/** Within the grace period the lab may take a deletion request back; the order reappears. */
export const withdrawDeletion = async (deps: PurgeDeps, actor: Actor, orderId: string) => {
  const order = await loadOwn(deps, actor, orderId);
  if (!order.deletionRequest)
    throw new ConflictError(`Order ${orderId} has no deletion request.`, 'NO_REQUEST');
  if (order.status === 'PURGING' || order.status === 'PURGED') {
    throw new ConflictError(
      `Order ${orderId} is already ${order.status}: the grace period is over.`,
      'TOO_LATE',
    );
  }
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.delete-withdraw',
    outcome: 'ALLOWED',
    orderId,
  });
  const now = deps.clock.now().toISOString();
  const moved = await deps.orders.transition(
    orderId,
    [order.status],
    { updatedAt: now },
    {
      remove: ['deletionRequest'],
      ...(order.status === 'ARCHIVED' && order.purgeAfter
        ? { indexes: { pending: { name: 'PURGE', at: order.purgeAfter } } }
        : {}),
    },
  );
  if (!moved) throw new ConflictError(`Order ${orderId} changed meanwhile; try again.`, 'WRONG_STATE');
  await deps.orders.addTimeline({ orderId, at: now, type: 'DELETION_WITHDRAWN', by: actor.sub });
  return { orderId, status: order.status, deletionRequest: null };
};

export const certificateOf = async (deps: PurgeDeps, actor: Actor, orderId: string) => {
  const order = await loadOwn(deps, actor, orderId);
  const signed = await deps.purgeStore.orderCertificate(orderId);
  if (!signed)
    throw new ConflictError(`Order ${orderId} has not been purged yet (${order.status}).`, 'NOT_PURGED', {
      status: order.status,
    });
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.certificate',
    outcome: 'ALLOWED',
    orderId,
  });
  return signed;
};

export const publicKey = async (deps: Pick<PurgeDeps, 'signer'>) => {
  const der = Buffer.from(await deps.signer.publicKeyDer());
  const pem = `-----BEGIN PUBLIC KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END PUBLIC KEY-----\n`;
  return { keyId: deps.signer.keyId(), algorithm: 'ECDSA_SHA_256', publicKeyPem: pem };
};

/** Operators end a partner's account: every order purged, one summary certificate for all. */
export const terminateAccount = async (deps: PurgeDeps, actor: Actor, accountId: string) => {
  requireRole(actor, 'operator');
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(accountId)) throw new NotFoundError(`No account ${accountId}.`);
  await recordAudit(deps, actor, { accountId, action: 'account.terminate', outcome: 'ALLOWED' });
  const orderCertificates: { orderId: string; certificateId: string; sha256: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.orders.listByAccount(accountId, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const order of page.orders) {
      const signed = await purgeOrder(deps, order.orderId, 'account-termination');
      if (signed) {
        orderCertificates.push({
          orderId: order.orderId,
          certificateId: signed.certificate.certificateId,
          sha256: signedCertificateSha256(signed),
        });
      }
    }
    cursor = page.cursor;
  } while (cursor);
  const deletedAt = deps.clock.now();
  const summary: DeletionCertificate = {
    certificateId: deps.ids.next('cert'),
    kind: 'account-summary',
    accountId,
    reason: 'account-termination',
    deletedAt: deletedAt.toISOString(),
    process: PURGE_PROCESS,
    objects: [],
    recordsAnonymised: ['patientRef', 'notes', 'itemNotes', 'fileNames', 'caseRef'],
    backupsClearBy: backupsClearBy(deletedAt, {
      noncurrentVersionDays: BACKUP_WINDOWS.noncurrentVersionDays,
      pointInTimeRecoveryDays: Math.max(
        BACKUP_WINDOWS.pointInTimeRecoveryDays,
        BACKUP_WINDOWS.backupPlanDays,
      ),
    }),
    orderCertificates,
  };
  const signed = await signCertificate(deps.signer, summary);
  await deps.purgeStore.saveCertificate({ accountId }, signed);
  await deps.notifier.notify('account.terminated', {
    accountId,
    certificateId: summary.certificateId,
    orders: String(orderCertificates.length),
  });
  return signed;
};

export { hidden as isHiddenByDeletionRequest };
