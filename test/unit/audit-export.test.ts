/**
 * An audit export's content (domain/audit-export.ts): unpacked, it is a directory `verify-audit`
 * reads and passes; one edited line, an edited manifest or another key fail it, each named. The
 * range is checked field by field; the CSV names staff and designers by pseudonym only.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAuditDir } from '../../cli/verify-audit';
import {
  type AuditRecord,
  accountPseudonym,
  actorPseudonym,
  disclosedForm,
  eventSha256,
} from '../../lambdas/domain/audit-digest';
import {
  type AuditExportContent,
  auditExportEntries,
  auditExportRange,
  csvRow,
} from '../../lambdas/domain/audit-export';
import { sealAudit } from '../../lambdas/domain/audit-seal';
import { FakeClock } from '../../lambdas/kernel/clock';
import { auditPublicKey, auditSigner, MemoryDigests, MemoryLedger } from '../support/audit-fakes';

const signer = auditSigner;
const publicKey = auditPublicKey;

const DESIGNER_SUB = 'sub-designer-7f3a';
const OPERATOR_SUB = 'sub-operator-19c2';

const event = (seq: number, overrides: Partial<AuditRecord>) => ({
  eventId: `aud_${seq}`,
  at: `2026-12-02T00:${String(10 + seq).padStart(2, '0')}:00.000Z`,
  accountId: 'lab-acme',
  actorSub: 'sub-lab-user',
  actorRole: 'lab',
  actorAccountId: 'lab-acme',
  action: 'order.view',
  outcome: 'ALLOWED',
  sourceIp: '203.0.113.9',
  orderId: 'ord_1',
  ...overrides,
});

/** Two sealing runs over four events of lab-acme (one by a designer, one refused from another lab). */
const exportDir = async () => {
  const ledger = new MemoryLedger();
  const digests = new MemoryDigests();
  const clock = new FakeClock(new Date('2026-12-02T01:00:00.000Z'));
  let n = 0;
  const deps = { ledger, digests, auditSigner: signer, clock, ids: { next: (p: string) => `${p}_${++n}` } };
  ledger.record(event(1, {}));
  ledger.record(event(2, { actorSub: DESIGNER_SUB, actorRole: 'designer', actorAccountId: 'designers' }));
  await sealAudit(deps);
  clock.advance(3_600_000);
  ledger.record(
    event(3, {
      actorSub: 'sub-other-lab',
      actorAccountId: 'lab-other',
      outcome: 'DENIED',
      reason: 'NOT_OWNER',
    }),
  );
  ledger.record(
    event(4, {
      actorSub: OPERATOR_SUB,
      actorRole: 'operator',
      actorAccountId: 'staff',
      action: 'order.resume',
    }),
  );
  ledger.record(event(5, { accountId: 'lab-other', actorAccountId: 'lab-other' }));
  await sealAudit(deps);
  const events = [...ledger.events.values()].filter((e) => e.accountId === 'lab-acme');
  const content: AuditExportContent = {
    exportId: 'aex_1',
    accountId: 'lab-acme',
    from: '2026-12-02T00:00:00.000Z',
    to: '2026-12-02T02:00:00.000Z',
    requestedAt: clock.now().toISOString(),
    requestedByRole: 'lab-admin',
    createdAt: clock.now().toISOString(),
    events: async function* () {
      yield events.slice(0, 2);
      yield events.slice(2);
    },
    digests: [
      ...digests.current('global/').map((d) => ({
        path: `digests/global/${String(d.digestNo).padStart(10, '0')}.json`,
        read: async () => d,
      })),
      ...digests.current('accounts/lab-acme/').map((d) => ({
        path: `digests/accounts/${String(d.digestNo).padStart(10, '0')}.json`,
        read: async () => d,
      })),
    ],
    countryOf: async (sub) => (sub === DESIGNER_SUB ? 'PT' : undefined),
  };
  const dir = await mkdtemp(join(tmpdir(), 'audit-export-'));
  const paths: string[] = [];
  for await (const entry of auditExportEntries(content, signer)) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of entry.body) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    if (entry.sizeBytes !== undefined) expect(bytes.byteLength).toBe(entry.sizeBytes);
    await mkdir(dirname(join(dir, entry.path)), { recursive: true });
    await writeFile(join(dir, entry.path), bytes);
    paths.push(entry.path);
  }
  const keyFile = join(dir, '..', `${dir.split('/').pop()}-key.pem`);
  await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
  return { dir, keyFile, paths };
};

describe('audit export content', () => {
  it('unpacked, is a directory verify-audit passes, with the manifest last', async () => {
    // Prepare
    const { dir, keyFile, paths } = await exportDir();
    // Act
    const result = await verifyAuditDir(dir, keyFile);
    // Assess
    expect(result).toMatchObject({ ok: true });
    expect(result.message).toContain('4 events');
    expect(paths.at(-1)).toBe('manifest.json');
    expect(paths.slice(0, 3)).toEqual(['range.json', 'events.jsonl', 'events.csv']);
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      kind: 'audit-export',
      range: { from: '2026-12-02T00:00:00.000Z', to: '2026-12-02T02:00:00.000Z' },
      counts: { events: 4, globalDigests: 2, accountDigests: 2 },
      signature: { keyId: 'test-audit-key' },
    });
  });

  it('fails when one line of events.jsonl is edited, naming the file', async () => {
    // Prepare
    const { dir, keyFile } = await exportDir();
    const path = join(dir, 'events.jsonl');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"DENIED"', '"ALLOWED"'));
    // Act
    const result = await verifyAuditDir(dir, keyFile);
    // Assess
    expect(result).toEqual({
      ok: false,
      message: 'INVALID: events.jsonl does not match its SHA-256 in manifest.json (edited)',
    });
  });

  it('fails when the manifest is edited, or the range changed, or another key is given', async () => {
    // Prepare
    const { dir, keyFile } = await exportDir();
    const manifestPath = join(dir, 'manifest.json');
    const original = await readFile(manifestPath, 'utf8');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const otherKey = `${keyFile}.other.pem`;
    await writeFile(otherKey, other.export({ type: 'spki', format: 'pem' }));
    // Act
    await writeFile(manifestPath, original.replace('"events": 4', '"events": 3'));
    const edited = await verifyAuditDir(dir, keyFile);
    await writeFile(manifestPath, original);
    const wrongKey = await verifyAuditDir(dir, otherKey);
    await writeFile(
      join(dir, 'range.json'),
      JSON.stringify({
        accountId: 'lab-acme',
        from: '2026-12-02T00:30:00.000Z',
        to: '2026-12-02T02:00:00.000Z',
      }),
    );
    const moved = await verifyAuditDir(dir, keyFile);
    // Assess
    expect(edited.message).toBe(
      'INVALID: manifest.json signature does not match its content (edited after signing)',
    );
    expect(wrongKey.message).toBe('INVALID: manifest.json was signed by another key than the one given');
    expect(moved.message).toBe('INVALID: range.json does not match its SHA-256 in manifest.json (edited)');
  });

  it('names staff, designers and another lab by stable pseudonyms in both files, with the country', async () => {
    // Prepare
    const { dir } = await exportDir();
    // Act
    const csv = await readFile(join(dir, 'events.csv'), 'utf8');
    const jsonl = await readFile(join(dir, 'events.jsonl'), 'utf8');
    // Assess
    for (const text of [csv, jsonl]) {
      expect(text).not.toContain(DESIGNER_SUB);
      expect(text).not.toContain(OPERATOR_SUB);
      expect(text).not.toContain('sub-other-lab');
      expect(text).not.toContain('lab-other');
      expect(text).toContain('sub-lab-user');
    }
    const rows = csv.trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'seq,eventId,at,action,outcome,reason,actorRole,actor,actorAccount,actorCountry,sourceIp,orderId,fileId,route,targetSub',
    );
    expect(rows[1]).toContain('lab,sub-lab-user,lab-acme,,203.0.113.9');
    expect(rows[2]).toContain(
      `designer,${actorPseudonym('designer', DESIGNER_SUB)},designers,PT,203.0.113.9`,
    );
    expect(rows[3]).toContain(
      `DENIED,NOT_OWNER,lab,${actorPseudonym('lab', 'sub-other-lab')},${accountPseudonym('lab-other')},`,
    );
    expect(rows[4]).toContain(`operator,${actorPseudonym('operator', OPERATOR_SUB)},staff,`);
    expect(actorPseudonym('designer', DESIGNER_SUB)).toMatch(/^designer-[0-9a-f]{32}$/);
  });

  it('hashes the disclosed form: a stored event and its exported line have one hash; any edit changes it', () => {
    // Prepare
    const stored = {
      ...event(4, { actorSub: OPERATOR_SUB, actorRole: 'operator', actorAccountId: 'staff' }),
      seq: 4,
    };
    const line = JSON.parse(JSON.stringify(disclosedForm({ ...stored, pk: 'ACCOUNT#lab-acme', sk: 'x' })));
    // Act
    const hashes = {
      stored: eventSha256(stored),
      line: eventSha256(line),
      otherSub: eventSha256({ ...stored, actorSub: 'sub-operator-other' }),
      otherAccount: eventSha256({ ...stored, actorAccountId: 'lab-acme' }),
      otherIp: eventSha256({ ...stored, sourceIp: '198.51.100.1' }),
    };
    // Assess
    expect(line).not.toHaveProperty('actorSub');
    expect(line).not.toHaveProperty('pk');
    expect(hashes.line).toBe(hashes.stored);
    expect(new Set(Object.values(hashes)).size).toBe(4);
  });

  it('defuses spreadsheet formulas and quotes separators in CSV fields', () => {
    // Act
    const row = csvRow({ eventId: '=HYPERLINK("x")', route: 'a,b', actorRole: 'lab' });
    // Assess
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(row).toContain('"a,b"');
  });
});

describe('auditExportRange', () => {
  const now = new Date('2026-12-02T05:00:00.000Z');
  it('accepts a range of up to 366 days ending now or before', () => {
    expect(
      auditExportRange({ from: '2025-12-01T05:00:00.000Z', to: '2026-12-02T05:00:00.000Z' }, now),
    ).toEqual({
      from: '2025-12-01T05:00:00.000Z',
      to: '2026-12-02T05:00:00.000Z',
    });
  });
  it.each([
    [{ from: '2026-12-01', to: '2026-12-02T00:00:00.000Z' }, 'from'],
    [{ from: '2026-12-01T00:00:00.000Z' }, 'to'],
    [{ from: '2026-12-02T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' }, 'to'],
    [{ from: '2025-11-30T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' }, 'to'],
    [{ from: '2026-12-01T00:00:00.000Z', to: '2026-12-03T00:00:00.000Z' }, 'to'],
    [{ from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z', accountId: 'x' }, 'accountId'],
    [{ from: '2026-02-30T00:00:00.000Z', to: '2026-12-02T00:00:00.000Z' }, 'from'],
  ])('refuses %j on field %s', (body, field) => {
    expect(() => auditExportRange(body, now)).toThrow(
      expect.objectContaining({
        name: 'ValidationError',
        details: { fields: [expect.objectContaining({ field })] },
      }),
    );
  });
});
