/**
 * Retention, purge and deletion on request, each ending in a signed deletion certificate.
 *
 * - Every order that stops moving gets a PURGE timer and a `purgeAfter`: archived orders at the
 *   archive date + account retention; REJECTED, CANCELLED and STUCK ones at the windows in
 *   domain/retention.ts. A stale timer on an order back in the workflow does nothing. A draft is
 *   written on the same timer: idle for DRAFT_IDLE_DAYS, the sweep cancels it (then CANCELLED).
 * - A lab may ask for an order's files, or the whole order, to be deleted sooner once nobody is
 *   working on it (DELETABLE_STATUSES): it is hidden at once and purged at the end of a grace
 *   period (30 days by default), during which the lab may withdraw the request. A delivered
 *   design must be accepted or revised first: asking for a deletion never decides it.
 * - The purge sweep takes due orders from that timer index (cost grows with the orders due, not
 *   with the tables), deletes every object version under the order's prefix, strips PHI from the
 *   records, and signs a certificate. A crash halfway leaves the order PURGING with its timer
 *   still due, so the next sweep finishes it; the manifest of what was there is written before
 *   anything is deleted, so the certificate of a resumed purge is still complete. A files-only
 *   purge returns the order to its status with the record on the timer at `purgeAfter`.
 * - Account termination is recorded as started (TERMINATING: the lab creates nothing more), then
 *   purges every order, schedules the account's KMS key for deletion at the end of the backup
 *   window, and signs one summary certificate stating the key and its deletion date; one killed
 *   midway is finished by a re-run or by the next purge sweep.
 */
import { BACKUP_WINDOWS } from '../../common/definitions';
import { ConflictError, NotFoundError, PurgeConflictError, PurgeIncompleteError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { shredAccountKey } from './account-keys';
import { STAFF_ACCOUNT_ID } from './account-policy';
import { revokeAccountSessions } from './account-users';
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
import { type Order, type OrderStatus, orderPrefix } from './order';
import { cancelOrder, expireDraft } from './orders/cancel';
import { loadOwnedOrder } from './orders/shared';
import type { DesignDeps, IdentityProvider } from './ports';
import { closedOrderPurge } from './retention';

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
  /**
   * Writes the manifest of one purge once; a second call returns the first manifest unchanged.
   * A files-only purge and the later purge of the record keep separate manifests.
   */
  saveManifest(
    orderId: string,
    objects: readonly PurgedObject[],
    scope?: 'files' | 'order',
  ): Promise<readonly PurgedObject[]>;
  /** Removes PHI from the order record and its files; `scope: 'files'` keeps the order's own PHI. */
  anonymise(orderId: string, scope: 'files' | 'order'): Promise<string[]>;
  saveCertificate(
    owner: { orderId: string; scope?: 'files' | 'order' } | { accountId: string },
    signed: SignedCertificate,
  ): Promise<void>;
  /** The certificate of the order's purge, or of its files-only purge while the record remains. */
  orderCertificate(orderId: string): Promise<SignedCertificate | undefined>;
  accountCertificate(accountId: string, certificateId: string): Promise<SignedCertificate | undefined>;
}

export type PurgeDeps = DesignDeps & {
  /** Termination signs every user of the account out (account-users.ts). */
  readonly identity: IdentityProvider;
  readonly purger: Purger;
  readonly purgeStore: PurgeStore;
  readonly signer: CertificateSigner;
};

export const PURGE_PROCESS = 'caseline purge-sweep';

/**
 * A lab may ask for deletion once nobody is working on the order: accepted (archive pending),
 * archived, rejected, cancelled or stuck. A DRAFT is cancelled instead (DELETE /orders/{id}).
 * Refused (409): SUBMITTED, QUEUED, ASSIGNED and QA (the workflow holds it: a designer may be at
 * work, the queue waits with a task token) and DELIVERED (the lab decides the design first).
 */
export const DELETABLE_STATUSES: readonly OrderStatus[] = [
  'ACCEPTED',
  'ARCHIVED',
  'REJECTED',
  'CANCELLED',
  'STUCK',
];

/** Statuses a PURGE timer may purge; a timer found on any other order is stale and dropped. */
const PURGEABLE_STATUSES: readonly OrderStatus[] = [
  'ARCHIVED',
  'REJECTED',
  'CANCELLED',
  'STUCK',
  'PURGING',
  'PURGED',
];

const addDays = (d: Date, days: number) => new Date(d.getTime() + days * 86_400_000);
const earlier = (a: string, b: string | undefined) => (b !== undefined && b < a ? b : a);

const hidden = (order: Order) => Boolean(order.deletionRequest && order.deletionRequest.scope === 'order');

/** When the order's record (not only its files) must go: retention, or the closing window. */
const recordPurgeAfter = (order: Order, now: Date) =>
  order.purgeAfter ?? closedOrderPurge(order.status === 'STUCK' ? 'STUCK' : 'CANCELLED', now).purgeAfter;

const signOrderCertificate = async (
  deps: PurgeDeps,
  order: Order,
  reason: DeletionCertificate['reason'],
  manifest: readonly PurgedObject[],
  recordsAnonymised: string[],
) => {
  const files = await deps.orders.files(order.orderId);
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
    orderId: order.orderId,
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
  return { signed: await signCertificate(deps.signer, certificate), deletedAt };
};

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
      purgeFrom: order.status,
      updatedAt: now,
    });
    if (!order) throw new PurgeConflictError(orderId);
  }
  const prefix = orderPrefix(orderId);
  // What was there, recorded before anything is deleted: a resumed purge certifies it all.
  const manifest = await deps.purgeStore.saveManifest(orderId, await deps.purger.remaining(prefix), scope);
  await deps.purger.purgePrefix(prefix);
  const left = await deps.purger.remaining(prefix);
  if (left.length) throw new PurgeIncompleteError(orderId, left.length);
  const recordsAnonymised = await deps.purgeStore.anonymise(orderId, scope);
  const { signed, deletedAt } = await signOrderCertificate(deps, order, reason, manifest, recordsAnonymised);
  const { certificateId } = signed.certificate;
  await deps.purgeStore.saveCertificate({ orderId, scope }, signed);
  const at = deletedAt.toISOString();
  if (scope === 'files') {
    // The files are gone; the record (patient reference, notes, case number) goes at its own date.
    const back = order.purgeFrom && order.purgeFrom !== 'PURGING' ? order.purgeFrom : 'ARCHIVED';
    const purgeAfter = recordPurgeAfter(order, deletedAt);
    await deps.orders.transition(
      orderId,
      ['PURGING'],
      { status: back, purgeAfter, filesPurgedAt: at, filesCertificateId: certificateId, updatedAt: at },
      {
        remove: ['deletionRequest', 'purgeFrom', 'purgeStartedAt'],
        indexes: { pending: { name: 'PURGE', at: purgeAfter } },
      },
    );
    await deps.orders.addTimeline({
      orderId,
      at,
      type: 'FILES_PURGED',
      by: PURGE_PROCESS,
      detail: { objects: manifest.length, certificateId },
    });
    await deps.notifier.notify('order.files-purged', { orderId, accountId: order.accountId, certificateId });
    return signed;
  }
  await deps.orders.transition(
    orderId,
    ['PURGING'],
    { status: 'PURGED', purgedAt: at, certificateId, updatedAt: at },
    { remove: ['purgeFrom'], indexes: { pending: null, queue: null, assignee: null, due: null } },
  );
  await deps.orders.addTimeline({
    orderId,
    at,
    type: 'PURGED',
    by: PURGE_PROCESS,
    detail: { objects: manifest.length, certificateId },
  });
  // An order purged while a designer held it (account termination) gives the designer's slot back.
  if (order.assignee) await deps.designers.releaseSlot(order.assignee);
  await deps.notifier.notify('order.purged', { orderId, accountId: order.accountId, certificateId });
  return signed;
};

/**
 * Why a due order is purged now: its lab's request once the grace period is over, its account's
 * termination (a create refused because the account was terminated meanwhile), else retention.
 */
const dueReason = (order: Order, now: string): DeletionCertificate['reason'] => {
  if (order.deletionRequest && order.deletionRequest.purgeAt <= now) return 'lab-request';
  return order.closedReason === 'ACCOUNT_TERMINATED' ? 'account-termination' : 'retention-expired';
};

/**
 * Scheduled: purges the orders whose PURGE timer is due, then finishes any account termination
 * that was killed midway. A failure reaches the operators.
 */
export const sweepPurges = async (deps: PurgeDeps, limit = 100) => {
  const now = deps.clock.now().toISOString();
  const due = await deps.orders.pendingBefore('PURGE', now, limit);
  let purged = 0;
  let failed = 0;
  let stale = 0;
  let expiredDrafts = 0;
  for (const orderId of due) {
    const order = await deps.orders.get(orderId);
    try {
      if (order?.status === 'DRAFT') {
        // A draft's expiry: cancelled if idle (purged later on the CANCELLED window), else moved on.
        if ((await expireDraft(deps, order, PURGE_PROCESS)) === 'cancelled') expiredDrafts++;
        continue;
      }
      if (order && !PURGEABLE_STATUSES.includes(order.status)) {
        // Back in the workflow (an operator resumed it): its own timers run it, not this one.
        await deps.orders.transition(orderId, [order.status], {}, { indexes: { pending: null } });
        stale++;
        continue;
      }
      if (await purgeOrder(deps, orderId, order ? dueReason(order, now) : 'retention-expired')) purged++;
    } catch (error) {
      failed++;
      await deps.notifier.operatorAlert('Purge failed; the next sweep retries it', {
        orderId,
        errorName: error instanceof Error ? error.name : 'Error',
      });
    }
  }
  let terminations = 0;
  for (const accountId of await deps.accounts.terminating(10)) {
    try {
      await completeTermination(deps, accountId);
      terminations++;
    } catch (error) {
      failed++;
      await deps.notifier.operatorAlert('Account termination failed; the next sweep retries it', {
        accountId,
        errorName: error instanceof Error ? error.name : 'Error',
      });
    }
  }
  return {
    due: due.length,
    purged,
    failed,
    ...(stale ? { stale } : {}),
    ...(expiredDrafts ? { expiredDrafts } : {}),
    ...(terminations ? { terminations } : {}),
  };
};

const loadOwn = async (deps: PurgeDeps, actor: Actor, orderId: string) => {
  return loadOwnedOrder(deps, actor, orderId, 'order.delete-request');
};

const refuseDeletion = (order: Order, scope: 'files' | 'order'): never => {
  const { orderId, status } = order;
  if (status === 'DELIVERED')
    throw new ConflictError(
      `Order ${orderId} has a delivered design waiting for your decision: accept it (POST /orders/${orderId}/accept) or ask for a revision first, then ask for the deletion. Asking to delete never accepts a design.`,
      'DECISION_PENDING',
      { status },
    );
  if (status === 'DRAFT')
    throw new ConflictError(
      `Order ${orderId} is a DRAFT: cancel it with DELETE /orders/${orderId}, which removes its uploads at once.`,
      'WRONG_STATE',
      { status },
    );
  if (status === 'PURGING' || status === 'PURGED')
    throw new ConflictError(
      `Order ${orderId} is already ${status}: see GET /orders/${orderId}/certificate.`,
      'ALREADY_PURGED',
      { status },
    );
  throw new ConflictError(
    `Order ${orderId} is ${status}: it is being worked on. Ask for the ${scope === 'files' ? 'files' : 'order'} to be deleted once the design is delivered and decided, or once the order is closed.`,
    'IN_PROGRESS',
    { status },
  );
};

/**
 * A lab asks for an order's files, or the whole order, to be deleted: in DELETABLE_STATUSES
 * only (a draft is cancelled). The PURGE timer moves to the end of the grace period unless the
 * order's own purge date is sooner.
 */
export const requestDeletion = async (
  deps: PurgeDeps,
  actor: Actor,
  orderId: string,
  scope: 'files' | 'order',
) => {
  const order = await loadOwn(deps, actor, orderId);
  if (order.status === 'DRAFT' && scope === 'order') return cancelOrder(deps, actor, orderId);
  const existing = order.deletionRequest;
  if (existing && (existing.scope === scope || existing.scope === 'order')) return { orderId, ...existing };
  if (!DELETABLE_STATUSES.includes(order.status)) refuseDeletion(order, scope);
  if (scope === 'files' && order.filesPurgedAt)
    throw new ConflictError(
      `The case files of order ${orderId} were deleted on ${order.filesPurgedAt}: see GET /orders/${orderId}/certificate.`,
      'FILES_PURGED',
    );
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
    // An ACCEPTED order gets its timer when archived (archiveOrder honours the request).
    order.status === 'ACCEPTED'
      ? {}
      : { indexes: { pending: { name: 'PURGE', at: earlier(purgeAt, order.purgeAfter) } } },
  );
  if (!moved) throw new ConflictError(`Order ${orderId} changed meanwhile; try again.`, 'WRONG_STATE');
  await deps.orders.addTimeline({
    orderId,
    at: now.toISOString(),
    type: 'DELETION_REQUESTED',
    by: actor.sub,
    detail: { scope },
  });
  return { orderId, ...request };
};

/** Within the grace period the lab may take a deletion request back; the order reappears. */
export const withdrawDeletion = async (deps: PurgeDeps, actor: Actor, orderId: string) => {
  const order = await loadOwn(deps, actor, orderId);
  if (order.status === 'PURGING' || order.status === 'PURGED') {
    throw new ConflictError(
      `Order ${orderId} is already ${order.status}: the grace period is over.`,
      'TOO_LATE',
    );
  }
  if (!order.deletionRequest)
    throw new ConflictError(`Order ${orderId} has no deletion request.`, 'NO_REQUEST');
  await recordAudit(deps, actor, {
    accountId: order.accountId,
    action: 'order.delete-withdraw',
    outcome: 'ALLOWED',
    orderId,
  });
  const now = deps.clock.now();
  // Back on the order's own purge date (retention, or its closing window).
  const purgeAfter = order.status === 'ACCEPTED' ? undefined : recordPurgeAfter(order, now);
  const moved = await deps.orders.transition(
    orderId,
    [order.status],
    { updatedAt: now.toISOString(), ...(purgeAfter ? { purgeAfter } : {}) },
    {
      remove: ['deletionRequest'],
      ...(purgeAfter ? { indexes: { pending: { name: 'PURGE', at: purgeAfter } } } : {}),
    },
  );
  if (!moved) throw new ConflictError(`Order ${orderId} changed meanwhile; try again.`, 'WRONG_STATE');
  await deps.orders.addTimeline({
    orderId,
    at: now.toISOString(),
    type: 'DELETION_WITHDRAWN',
    by: actor.sub,
  });
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

const ACCOUNT_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;

/**
 * Operators end a partner's account: every order purged, one summary certificate for all. The
 * termination is recorded first (TERMINATING: the lab can create nothing more), so one killed
 * midway is finished by a re-run or by the next purge sweep; a finished one returns its summary.
 */
export const terminateAccount = async (deps: PurgeDeps, actor: Actor, accountId: string) => {
  if (!ACCOUNT_ID.test(accountId)) throw new NotFoundError(`No account ${accountId}.`);
  if (accountId === STAFF_ACCOUNT_ID)
    throw new ConflictError(
      `Account ${accountId} is Caseline's own organisation (staff), not a partner: it cannot be terminated.`,
      'STAFF_ACCOUNT',
    );
  const state = await deps.accounts.stateOf(accountId);
  if (!state)
    throw new NotFoundError(
      `No account ${accountId}: only a partner that was set up (GET /accounts/${accountId}/policy) can be terminated.`,
    );
  if (state.status === 'TERMINATED' && state.certificateId) {
    const done = await deps.purgeStore.accountCertificate(accountId, state.certificateId);
    if (done) return done;
  }
  await recordAudit(deps, actor, { accountId, action: 'account.terminate', outcome: 'ALLOWED' });
  const started = await deps.accounts.startTermination(accountId, deps.clock.now().toISOString(), actor.sub);
  if (!started) throw new NotFoundError(`No account ${accountId}.`);
  return completeTermination(deps, accountId);
};

/**
 * Purges what is left of a TERMINATING account and signs its summary; safe to run again. First
 * every user of the account is signed out everywhere (a resumed termination does it again: the
 * sign-out is idempotent). Orders in flight are not finished first: they are purged with the rest
 * (a designer's slot given back, the lab told of each purge), since the agreement that allowed
 * processing them has ended (seed 003); their waiting executions time out (docs/design.md).
 */
const completeTermination = async (deps: PurgeDeps, accountId: string) => {
  await revokeAccountSessions(deps, accountId);
  const orderCertificates: { orderId: string; certificateId: string; sha256: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.orders.listByAccount(accountId, { limit: 100, ...(cursor ? { cursor } : {}) });
    for (const order of page.orders) {
      // Orders purged by an earlier, interrupted run return their certificate unchanged.
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
  // Every order is purged: now the account's key goes, at the end of the backup window, so that
  // whatever copy outlived the purge (a backup, a PITR restore, a noncurrent version, a ciphertext
  // kept elsewhere) can no longer be read. Before the summary is signed, so the summary can state
  // it; a re-run finds the key pending and certifies the same date. An account without a key
  // (all its data under the shared key, from before accounts had keys) has no key to state.
  const shredded = await shredAccountKey(deps, accountId);
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
    ...(shredded?.deletionDate
      ? { accountKey: { keyId: shredded.keyId, deletionDate: shredded.deletionDate } }
      : {}),
  };
  const signed = await signCertificate(deps.signer, summary);
  await deps.purgeStore.saveCertificate({ accountId }, signed);
  await deps.accounts.finishTermination(accountId, deletedAt.toISOString(), summary.certificateId);
  await deps.notifier.notify('account.terminated', {
    accountId,
    certificateId: summary.certificateId,
    orders: String(orderCertificates.length),
    ...(shredded?.deletionDate ? { keyDeletionDate: shredded.deletionDate } : {}),
  });
  return signed;
};

export { hidden as isHiddenByDeletionRequest };
