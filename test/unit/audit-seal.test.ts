import { describe, expect, it } from 'vitest';
import {
  type AccountDigest,
  accountTag,
  type GlobalDigest,
  verifyAuditBundle,
} from '../../lambdas/domain/audit-digest';
import { sealAudit } from '../../lambdas/domain/audit-seal';
import { FakeClock } from '../../lambdas/kernel/clock';
import { auditPublicKey, auditSigner, MemoryDigests, MemoryLedger } from '../support/audit-fakes';

const signer = auditSigner;
const publicKey = auditPublicKey;

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
