/**
 * In-memory ports of the audit sealer (domain/audit-seal.ts) and an ECC signer, for unit tests:
 * one run at a time (the lease), a commit refused to a run that lost it, digests kept by version.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { AccountDigest, AuditRecord, GlobalDigest } from '../../lambdas/domain/audit-digest';
import type { AuditLedger, DigestStore, SealerState } from '../../lambdas/domain/audit-seal';
import type { CertificateSigner } from '../../lambdas/domain/certificate';

const { privateKey, publicKey: auditPublicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export { auditPublicKey };

export const auditSigner: CertificateSigner = {
  keyId: () => 'test-audit-key',
  sign: async (message) => sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }),
  publicKeyDer: async () => auditPublicKey.export({ format: 'der', type: 'spki' }),
};

export class MemoryLedger implements AuditLedger {
  next = 0;
  readonly events = new Map<number, AuditRecord>();
  sealer: SealerState & { lease?: { run: string; until: string } } = {
    digestNo: 0,
    sealedThrough: 0,
    holes: [],
    chains: {},
  };
  failCommit = false;
  take(): number {
    return ++this.next;
  }
  write(seq: number, accountId: string, at: string) {
    this.events.set(seq, {
      eventId: `aud_${seq}`,
      at,
      accountId,
      seq,
      action: 'order.view',
      outcome: 'ALLOWED',
    });
  }
  append(accountId: string, at: string) {
    this.write(this.take(), accountId, at);
  }
  /** A whole event, with the next write-order number. */
  record(event: Omit<AuditRecord, 'seq'>) {
    const seq = this.take();
    this.events.set(seq, { ...event, seq } as AuditRecord);
  }
  async counter() {
    return this.next;
  }
  async state() {
    return this.sealer;
  }
  async takeLease(run: string, now: Date, until: Date) {
    if (this.sealer.lease && this.sealer.lease.until >= now.toISOString()) return false;
    this.sealer = {
      ...this.sealer,
      windowTo: this.sealer.windowTo ?? now.toISOString(),
      lease: { run, until: until.toISOString() },
    };
    return true;
  }
  async inSequence(from: number, through: number) {
    return [...this.events.values()]
      .filter((e) => e.seq >= from && e.seq <= through)
      .sort((a, b) => a.seq - b.seq);
  }
  async atSequence(seq: number) {
    return this.events.get(seq);
  }
  async commit(run: string, previous: SealerState, next: SealerState) {
    if (this.failCommit || this.sealer.lease?.run !== run || this.sealer.digestNo !== previous.digestNo)
      return false;
    this.sealer = { ...next };
    return true;
  }
}

export class MemoryDigests implements DigestStore {
  readonly objects = new Map<string, (AccountDigest | GlobalDigest)[]>();
  async put(key: string, document: AccountDigest | GlobalDigest) {
    this.objects.set(key, [...(this.objects.get(key) ?? []), document]);
  }
  current(prefix: string) {
    return [...this.objects]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, versions]) => versions.at(-1) as AccountDigest | GlobalDigest);
  }
}
