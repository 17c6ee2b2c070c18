/**
 * The audit sealer with in-memory ports: one run at a time, holes sealed by a later run, a run that
 * dies before its commit done again under the same keys, a run that lost its lease writes no
 * position; and the offline check of what it makes.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AccountDigest,
  type AuditRecord,
  accountTag,
  type GlobalDigest,
  verifyAuditBundle,
} from '../../lambdas/domain/audit-digest';
import {
  type AuditLedger,
  type DigestStore,
  type SealerState,
  sealAudit,
} from '../../lambdas/domain/audit-seal';
import type { CertificateSigner } from '../../lambdas/domain/certificate';
import { FakeClock } from '../../lambdas/kernel/clock';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer: CertificateSigner = {
  keyId: () => 'test-audit-key',
  sign: async (message) => sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }),
  publicKeyDer: async () => publicKey.export({ format: 'der', type: 'spki' }),
};

class MemoryLedger implements AuditLedger {
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

class MemoryDigests implements DigestStore {
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

const setup = () => {
  const ledger = new MemoryLedger();
  const digests = new MemoryDigests();
  const clock = new FakeClock(new Date('2026-12-02T01:00:00.000Z'));
  let n = 0;
  const deps = { ledger, digests, auditSigner: signer, clock, ids: { next: (p: string) => `${p}_${++n}` } };
  return { ledger, digests, clock, deps };
};

const check = (digests: MemoryDigests, ledger: MemoryLedger, accountId: string) =>
  verifyAuditBundle(
    {
      accountId,
      globals: digests.current('global/'),
      accounts: digests.current(`accounts/${accountId}/`),
      events: [...ledger.events.values()].filter((e) => e.accountId === accountId),
    },
    publicKey,
  );

describe('sealAudit', () => {
  it('seals by write order: a number taken before a run and written after it is sealed once, by the next run', async () => {
    // Prepare
    const { ledger, digests, clock, deps } = setup();
    ledger.append('lab-acme', clock.now().toISOString());
    const late = ledger.take();
    ledger.append('lab-acme', clock.now().toISOString());
    // Act
    const first = await sealAudit(deps);
    clock.advance(3_600_000);
    ledger.write(late, 'lab-acme', '2026-12-01T00:00:00.000Z');
    const second = await sealAudit(deps);
    // Assess
    expect([first.events, first.holesOpen, second.events, second.holesOpen]).toEqual([2, 1, 1, 0]);
    const leaves = digests
      .current('accounts/lab-acme/')
      .flatMap((d) => (d as AccountDigest).events.map((e) => e.seq));
    expect(leaves.sort()).toEqual([1, 2, 3]);
    const globals = digests.current('global/') as GlobalDigest[];
    expect(globals.map((g) => [g.holesOpened, g.holesFilled])).toEqual([
      [[2], []],
      [[], [2]],
    ]);
    expect(check(digests, ledger, 'lab-acme')).toMatchObject({ ok: true });
  });

  it('writes a global digest when nothing happened, chained to the one before', async () => {
    const { ledger, digests, clock, deps } = setup();
    ledger.append('lab-acme', clock.now().toISOString());
    await sealAudit(deps);
    clock.advance(3_600_000);
    const empty = await sealAudit(deps);
    expect(empty).toMatchObject({ sealed: true, digestNo: 2, events: 0, accounts: 0 });
    const [g1, g2] = digests.current('global/') as GlobalDigest[];
    expect(g2?.previous?.signature).toBe(g1?.signature.value);
    expect(g2?.window.from).toBe(g1?.window.to);
    expect(check(digests, ledger, 'lab-acme')).toMatchObject({ ok: true });
  });

  it('does not start while another run holds the lease', async () => {
    const { ledger, deps, clock } = setup();
    await ledger.takeLease('other', clock.now(), new Date(clock.now().getTime() + 60_000));
    expect(await sealAudit(deps)).toMatchObject({ sealed: false, reason: 'SEALING_IN_PROGRESS' });
    expect(ledger.sealer.digestNo).toBe(0);
  });

  it('a run that dies before its commit is done again under the same keys, covering the same events and more', async () => {
    const { ledger, digests, clock, deps } = setup();
    ledger.append('lab-acme', clock.now().toISOString());
    ledger.failCommit = true;
    await expect(sealAudit(deps)).rejects.toMatchObject({ name: 'SealConflictError' });
    const keys = [...digests.objects.keys()].sort();
    ledger.failCommit = false;
    ledger.sealer = { ...ledger.sealer, lease: undefined } as typeof ledger.sealer;
    ledger.append('lab-acme', clock.now().toISOString());
    clock.advance(60_000);
    await sealAudit(deps);
    expect([...digests.objects.keys()].sort()).toEqual(keys);
    expect((digests.current('accounts/lab-acme/')[0] as AccountDigest).count).toBe(2);
    expect(check(digests, ledger, 'lab-acme')).toMatchObject({ ok: true });
  });

  it('names accounts in the global digest by tag only', async () => {
    const { ledger, digests, clock, deps } = setup();
    ledger.append('lab-acme', clock.now().toISOString());
    ledger.append('lab-bright', clock.now().toISOString());
    await sealAudit(deps);
    const [global] = digests.current('global/') as GlobalDigest[];
    expect(JSON.stringify(global)).not.toContain('lab-acme');
    expect(global?.accounts.map((a) => a.accountTag).sort()).toEqual(
      [accountTag('lab-acme'), accountTag('lab-bright')].sort(),
    );
  });
});
