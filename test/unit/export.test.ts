/**
 * The account export's domain with in-memory ports: what goes in the archive (and what does not),
 * the signed manifest, audit-first reads that fail closed, and one open export per account.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { listAuditExports } from '../../lambdas/domain/audit-exports';
import type { CertificateSigner } from '../../lambdas/domain/certificate';
import {
  type ArchiveEntry,
  type ExportArchive,
  type ExportJobDeps,
  type ExportRecord,
  type ExportStore,
  exportStatus,
  listExports,
  MANIFEST_PATH,
  requestExport,
  runExport,
  type SignedManifest,
  verifyManifest,
} from '../../lambdas/domain/export';
import type { Order, OrderFile } from '../../lambdas/domain/order';
import { fileNameContext, phiContext } from '../../lambdas/domain/order';
import {
  AuditUnavailableError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../../lambdas/kernel/errors';
import { makeActor, makeDeps } from '../support/fakes';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer: CertificateSigner = {
  keyId: () => 'test-key',
  sign: async (message) => sign('sha256', message, { key: privateKey, dsaEncoding: 'der' }),
  publicKeyDer: async () => publicKey.export({ format: 'der', type: 'spki' }),
};

class MemoryExports implements ExportStore {
  readonly records = new Map<string, ExportRecord>();
  open: string | undefined;
  async create(record: ExportRecord) {
    const holder = this.open ? this.records.get(this.open) : undefined;
    if (holder?.status === 'RUNNING') return { created: false as const, existing: holder };
    this.open = record.exportId;
    this.records.set(record.exportId, record);
    return { created: true as const };
  }
  async get(_accountId: string, exportId: string) {
    return this.records.get(exportId);
  }
  /** As the Dynamo store reads them: one kind by id prefix, ids descending, `after` exclusive. */
  async list(accountId: string, idPrefix: string, page: { limit: number; after?: string }) {
    const found = [...this.records.values()]
      .filter((r) => r.accountId === accountId && r.exportId.startsWith(`${idPrefix}_`))
      .filter((r) => page.after === undefined || r.exportId < page.after)
      .sort((a, b) => (a.exportId < b.exportId ? 1 : -1));
    return { records: found.slice(0, page.limit), more: found.length > page.limit };
  }
  async finish(_accountId: string, exportId: string, outcome: Partial<ExportRecord>) {
    const record = this.records.get(exportId);
    if (record?.status === 'RUNNING') this.records.set(exportId, { ...record, ...outcome } as ExportRecord);
    if (this.open === exportId) this.open = undefined;
  }
}

/** Writes entries into a map, pulling each only after the previous one is consumed, as the S3 adapter does. */
class MemoryArchive implements ExportArchive {
  readonly files = new Map<string, Buffer>();
  async write(_key: string, entries: AsyncIterable<ArchiveEntry>) {
    let size = 0;
    for await (const entry of entries) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry.body) chunks.push(Buffer.from(chunk));
      const body = Buffer.concat(chunks);
      this.files.set(entry.path, body);
      size += body.length;
    }
    return { sizeBytes: size, versionId: 'v1' };
  }
}

const ADMIN = makeActor({ sub: 'u-lab-acme-admin', username: 'lab-acme-admin', roles: ['lab-admin'] });

const setup = () => {
  const base = makeDeps();
  const exports = new MemoryExports();
  const archive = new MemoryArchive();
  const started: string[] = [];
  const deps = {
    ...base,
    exports,
    archive,
    signer,
    exportWorkflow: {
      failing: false,
      async start(exportId: string) {
        if (this.failing) throw new Error('states unavailable');
        started.push(exportId);
      },
    },
  };
  return { deps, exports, archive, started };
};

type Deps = ReturnType<typeof setup>['deps'];

let n = 0;
const addOrder = async (deps: Deps, overrides: Partial<Order> = {}, files: Partial<OrderFile>[] = []) => {
  const orderId = `ord_${++n}`;
  const phi = await deps.phi.encrypt(
    JSON.stringify({ caseRef: `C-${n}`, patientRef: 'J.D.', notes: 'ovate pontic' }),
    phiContext('lab-acme', orderId),
  );
  const order: Order = {
    orderId,
    accountId: 'lab-acme',
    createdBy: 'u-lab-acme-1',
    createdAt: `2026-01-0${n % 9}T00:00:00.000Z`,
    updatedAt: '2026-01-05T00:00:00.000Z',
    status: 'ARCHIVED',
    items: [{ type: 'crown', teeth: [36], material: 'zirconia', shade: 'A2' }],
    turnaround: 'standard',
    remake: false,
    phi,
    ...overrides,
  };
  await deps.orders.create(order);
  const bodies: Record<string, Buffer> = {};
  for (const [i, f] of files.entries()) {
    const fileId = `fil_${n}_${i}`;
    const key = `orders/${orderId}/${f.role === 'output' ? `outputs/v${f.version}` : 'inputs'}/${fileId}`;
    const body = Buffer.from(`mesh ${orderId} ${i} ${'x'.repeat(100 * (i + 1))}`);
    deps.files.objects.set(key, body);
    bodies[fileId] = body;
    await deps.orders.addFile({
      orderId,
      accountId: 'lab-acme',
      fileId,
      role: 'input',
      format: 'stl',
      nameCipher: await deps.phi.encrypt(`scan ${i}.stl`, fileNameContext('lab-acme', orderId, fileId)),
      sizeBytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      key,
      declaredAt: '2026-01-01T00:00:00.000Z',
      upload: { mode: 'single' },
      uploadedAt: '2026-01-01T00:00:00.000Z',
      ...f,
    } as OrderFile);
  }
  return { orderId, bodies };
};

const requestAndRun = async (deps: Deps) => {
  const requested = await requestExport(deps, ADMIN, 'lab-acme');
  await runExport(deps as unknown as ExportJobDeps, { exportId: requested.exportId, accountId: 'lab-acme' });
  return requested.exportId;
};

describe('account export', () => {
  it('archives every order with its prescription, timeline, scans and the delivered design only, under a manifest that verifies', async () => {
    // Prepare
    const { deps, archive, exports } = setup();
    const delivered = await addOrder(deps, { status: 'ARCHIVED', deliveredVersion: 2 }, [
      { role: 'input' },
      { role: 'output', version: 1 },
      { role: 'output', version: 2 },
    ]);
    const purged = await addOrder(deps, { status: 'PURGED' }, []);
    const hidden = await addOrder(deps, {
      status: 'ARCHIVED',
      deletionRequest: { scope: 'order', requestedAt: 'x', requestedBy: 'u', purgeAt: 'y' },
    });
    const filesDeleted = await addOrder(
      deps,
      { status: 'ARCHIVED', filesPurgedAt: '2026-01-04T00:00:00.000Z' },
      [{ role: 'input' }],
    );
    const neverUploaded = await addOrder(deps, { status: 'DRAFT' }, [
      { role: 'input', uploadedAt: undefined },
    ]);
    deps.files.objects.delete(`orders/${neverUploaded.orderId}/inputs/fil_${n}_0`);
    // Act
    const exportId = await requestAndRun(deps);
    // Assess: the manifest verifies and lists exactly the other files, with their hashes.
    const manifestText = archive.files.get(MANIFEST_PATH)?.toString('utf8') ?? '';
    const check = verifyManifest(manifestText, publicKey.export({ format: 'pem', type: 'spki' }) as string);
    expect(check.valid).toBe(true);
    const { manifest } = JSON.parse(manifestText) as SignedManifest;
    expect(manifest.files.map((f) => f.path).sort()).toEqual(
      [...archive.files.keys()].filter((p) => p !== MANIFEST_PATH).sort(),
    );
    for (const file of manifest.files) {
      expect(file.sha256).toBe(
        createHash('sha256')
          .update(archive.files.get(file.path) ?? '')
          .digest('hex'),
      );
    }
    const paths = [...archive.files.keys()];
    expect(paths).toContain(`orders/${delivered.orderId}/inputs/fil_${n - 4}_0-scan 0.stl`);
    expect(paths).toContain(`orders/${delivered.orderId}/design-v2/fil_${n - 4}_2-scan 2.stl`);
    expect(paths.some((p) => p.includes('/design-v1/'))).toBe(false);
    expect(paths.some((p) => p.includes(purged.orderId) || p.includes(hidden.orderId))).toBe(false);
    expect(manifest.excluded).toEqual(
      expect.arrayContaining([
        { orderId: purged.orderId, reason: 'PURGED' },
        { orderId: hidden.orderId, reason: 'DELETION_REQUESTED' },
      ]),
    );
    expect(manifest.orders.find((o) => o.orderId === filesDeleted.orderId)).toMatchObject({ files: 0 });
    expect(manifest.orders.find((o) => o.orderId === neverUploaded.orderId)).toMatchObject({ files: 0 });
    const prescription = JSON.parse(
      archive.files.get(`orders/${delivered.orderId}/order.json`)?.toString() ?? '{}',
    );
    expect(prescription).toMatchObject({
      caseRef: expect.any(String),
      patientRef: 'J.D.',
      notes: 'ovate pontic',
    });
    expect(exports.records.get(exportId)).toMatchObject({
      status: 'READY',
      fileCount: manifest.files.length,
    });
    // A changed file list no longer verifies.
    const tampered = JSON.parse(manifestText) as SignedManifest;
    tampered.manifest.files[0] = {
      ...(tampered.manifest.files[0] as (typeof manifest.files)[0]),
      sha256: '0'.repeat(64),
    };
    expect(
      verifyManifest(tampered, publicKey.export({ format: 'pem', type: 'spki' }) as string),
    ).toMatchObject({
      valid: false,
      code: 'SIGNATURE_MISMATCH',
    });
  });

  it('audits each order and file as the administrator before reading it, and reads nothing when it cannot audit', async () => {
    // Prepare
    const { deps } = setup();
    const { orderId } = await addOrder(deps, {}, [{ role: 'input' }]);
    const requested = await requestExport(deps, ADMIN, 'lab-acme');
    let reads = 0;
    const read = deps.files.read.bind(deps.files);
    deps.files.read = (key: string, versionId?: string) => {
      reads++;
      return read(key, versionId);
    };
    deps.audit.failing = true;
    const decryptsBefore = deps.phi.decrypts;
    // Act
    const failed = runExport(deps as unknown as ExportJobDeps, {
      exportId: requested.exportId,
      accountId: 'lab-acme',
    });
    // Assess
    await expect(failed).rejects.toBeInstanceOf(AuditUnavailableError);
    expect(reads).toBe(0);
    expect(deps.phi.decrypts).toBe(decryptsBefore);
    // Once the audit log answers, every read is preceded by its event, as the administrator.
    deps.audit.failing = false;
    await runExport(deps as unknown as ExportJobDeps, {
      exportId: requested.exportId,
      accountId: 'lab-acme',
    });
    const actions = deps.audit.events.filter((e) => e.orderId === orderId).map((e) => [e.action, e.actorSub]);
    expect(actions).toEqual([
      ['export.order', 'u-lab-acme-admin'],
      ['export.file', 'u-lab-acme-admin'],
    ]);
    expect(reads).toBe(1);
  });

  it('keeps one open export per account, hides another account (404, audited), and frees the slot when the job cannot start', async () => {
    // Prepare
    const { deps, exports, started } = setup();
    // Act
    const first = await requestExport(deps, ADMIN, 'lab-acme');
    const second = await requestExport(deps, ADMIN, 'lab-acme');
    const other = requestExport(
      deps,
      makeActor({ roles: ['lab-admin'], accountId: 'lab-bright' }),
      'lab-acme',
    );
    // Assess
    expect(second).toMatchObject({ exportId: first.exportId, duplicate: true });
    expect(started).toEqual([first.exportId]);
    await expect(other).rejects.toBeInstanceOf(NotFoundError);
    expect(deps.audit.events.at(-1)).toMatchObject({
      accountId: 'lab-acme',
      actorAccountId: 'lab-bright',
      outcome: 'DENIED',
      reason: 'NOT_OWNER',
    });
    // The job never starts: the export is FAILED and the next request starts a new one.
    await exports.finish('lab-acme', first.exportId, { status: 'READY', completedAt: 'now' });
    deps.exportWorkflow.failing = true;
    const refused = requestExport(deps, ADMIN, 'lab-acme');
    await expect(refused).rejects.toBeInstanceOf(ServiceUnavailableError);
    const failedId = [...exports.records.values()].find((r) => r.status === 'FAILED')?.exportId;
    expect(exports.records.get(failedId ?? '')).toMatchObject({ failure: 'NOT_STARTED' });
    expect(exports.open).toBeUndefined();
  });

  it('changes nothing when the request cannot be audited, and gives up an export left RUNNING past any run', async () => {
    // Prepare
    const { deps, exports, started } = setup();
    deps.audit.failing = true;
    // Act + Assess: no record, no slot, no job.
    await expect(requestExport(deps, ADMIN, 'lab-acme')).rejects.toBeInstanceOf(AuditUnavailableError);
    expect(exports.records.size).toBe(0);
    expect(exports.open).toBeUndefined();
    expect(started).toEqual([]);
    // A job that never ran (its workflow lost) holds the slot: within two hours a request answers it…
    deps.audit.failing = false;
    const lost = await requestExport(deps, ADMIN, 'lab-acme');
    deps.clock.advance(60 * 60 * 1000);
    expect(await requestExport(deps, ADMIN, 'lab-acme')).toMatchObject({
      exportId: lost.exportId,
      duplicate: true,
    });
    // …after that it is given up and a new export starts.
    deps.clock.advance(61 * 60 * 1000);
    const fresh = await requestExport(deps, ADMIN, 'lab-acme');
    expect(fresh).toMatchObject({ duplicate: false });
    expect(fresh.exportId).not.toBe(lost.exportId);
    expect(exports.records.get(lost.exportId)).toMatchObject({ status: 'FAILED', failure: 'ABANDONED' });
  });

  it('hands out the download link only when ready, after auditing it, and not when the audit fails', async () => {
    // Prepare
    const { deps } = setup();
    await addOrder(deps, {}, [{ role: 'input' }]);
    const exportId = await requestAndRun(deps);
    // Act
    deps.audit.failing = true;
    const blocked = exportStatus(deps, ADMIN, 'lab-acme', exportId);
    await expect(blocked).rejects.toBeInstanceOf(AuditUnavailableError);
    deps.audit.failing = false;
    const ready = await exportStatus(deps, ADMIN, 'lab-acme', exportId);
    // Assess
    expect(ready).toMatchObject({
      status: 'READY',
      download: { url: expect.stringContaining('versionId=v1') },
    });
    expect(deps.audit.events.at(-1)).toMatchObject({ action: 'export.download', outcome: 'ALLOWED' });
    // Seven days on, the lifecycle rule has removed it: no link.
    deps.clock.advance(8 * 86_400_000);
    expect(await exportStatus(deps, ADMIN, 'lab-acme', exportId)).toMatchObject({ status: 'EXPIRED' });
    expect(await exportStatus(deps, ADMIN, 'lab-acme', exportId)).not.toHaveProperty('download');
  });
});

describe("listing an account's exports", () => {
  /** Records of both kinds and two accounts, written as the routes write them (ids time-ordered). */
  const seed = (exports: MemoryExports) => {
    const record = (
      exportId: string,
      accountId: string,
      extra: Partial<ExportRecord> = {},
    ): ExportRecord => ({
      exportId,
      accountId,
      status: 'RUNNING',
      requestedAt: `2026-01-0${exportId.slice(-1)}T09:00:00.000Z`,
      requestedBy: 'u-lab-acme-admin',
      requestedByRole: 'lab-admin',
      sourceIp: '198.51.100.7',
      ...extra,
    });
    const audit = {
      kind: 'audit' as const,
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-02T00:00:00.000Z',
    };
    for (const r of [
      record('exp_000001', 'lab-acme', {
        status: 'READY',
        completedAt: '2026-01-01T09:05:00.000Z',
        objectKey: 'exports/exp_000001.zip',
        sizeBytes: 1234,
      }),
      record('exp_000002', 'lab-acme', { status: 'FAILED', failure: 'ABANDONED' }),
      record('exp_000003', 'lab-acme'),
      record('exp_000004', 'lab-bright'),
      record('aex_000005', 'lab-acme', audit),
      record('aex_000006', 'lab-acme', { ...audit, status: 'READY', objectKey: 'exports/aex_000006.zip' }),
    ])
      exports.records.set(r.exportId, r);
  };

  it('lists one kind of the account only, newest first with status, no link, a page at a time, audited', async () => {
    // Prepare
    const { deps, exports } = setup();
    seed(exports);
    // Act
    const first = await listExports(deps, ADMIN, 'lab-acme', { limit: '2' });
    const second = await listExports(deps, ADMIN, 'lab-acme', { limit: '2', cursor: first.nextCursor ?? '' });
    const audits = await listAuditExports(deps, ADMIN, 'lab-acme', {});
    // Assess
    expect(first.exports.map((e) => [e.exportId, e.status])).toEqual([
      ['exp_000003', 'RUNNING'],
      ['exp_000002', 'FAILED'],
    ]);
    expect(first.nextCursor).toBe('exp_000002');
    expect(second.exports).toEqual([
      expect.objectContaining({ exportId: 'exp_000001', status: 'READY', sizeBytes: 1234 }),
    ]);
    expect(second).not.toHaveProperty('nextCursor');
    expect(second.exports[0]).not.toHaveProperty('download');
    expect(audits.exports.map((e) => [e.exportId, e.status, e.from])).toEqual([
      ['aex_000006', 'READY', '2026-01-01T00:00:00.000Z'],
      ['aex_000005', 'RUNNING', '2026-01-01T00:00:00.000Z'],
    ]);
    expect(deps.audit.events.map((e) => [e.action, e.outcome])).toEqual([
      ['export.list', 'ALLOWED'],
      ['export.list', 'ALLOWED'],
      ['audit.export-list', 'ALLOWED'],
    ]);
  });

  it('answers another account 404 (audited), lets an auditor list audit exports, and checks limit and cursor', async () => {
    // Prepare
    const { deps, exports } = setup();
    seed(exports);
    const stranger = makeActor({ roles: ['lab-admin'], accountId: 'lab-bright' });
    const auditor = makeActor({ roles: ['auditor'], accountId: 'caseline' });
    // Act + Assess
    await expect(listExports(deps, stranger, 'lab-acme', {})).rejects.toBeInstanceOf(NotFoundError);
    await expect(listAuditExports(deps, stranger, 'lab-acme', {})).rejects.toBeInstanceOf(NotFoundError);
    expect(deps.audit.events.map((e) => [e.action, e.outcome, e.reason])).toEqual([
      ['export.list', 'DENIED', 'NOT_OWNER'],
      ['audit.export-list', 'DENIED', 'NOT_OWNER'],
    ]);
    expect((await listAuditExports(deps, auditor, 'lab-acme', { limit: '1' })).nextCursor).toBe('aex_000006');
    for (const query of [
      { limit: '0' },
      { limit: '101' },
      { limit: '2.5' },
      { cursor: 'aex_000006' },
      { cursor: 'exp_x'.padEnd(80, 'x') },
    ]) {
      await expect(listExports(deps, ADMIN, 'lab-acme', query), JSON.stringify(query)).rejects.toBeInstanceOf(
        ValidationError,
      );
    }
    // Nothing listed when the listing cannot be audited.
    deps.audit.failing = true;
    await expect(listExports(deps, ADMIN, 'lab-acme', {})).rejects.toBeInstanceOf(AuditUnavailableError);
  });
});
