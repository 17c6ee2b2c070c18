/** The CLI, run as a lab and a designer would run it, against the shared local stack. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Api, eventually, sha256Hex } from '../support/api';
import { writeMeshFile } from '../support/mesh-factory';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const home = mkdtempSync(join(tmpdir(), 'caseline-cli-'));
const run = promisify(execFile);

const exec = async (token: string, args: string[]) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'cli', 'caseline.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CASELINE_API: inject('apiUrl'), CASELINE_HOME: home, CASELINE_TOKEN: token },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

const caseline = (...args: string[]) => exec('', args);

/** Runs a command as `username` with a token fetched just before it (several users in one test). */
const caselineAs = async (username: string, ...args: string[]) =>
  exec(await new Api(inject('apiUrl')).token(username), args);

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('caseline CLI', () => {
  it('signs in, creates, uploads with progress, submits, lists and shows an order', async () => {
    expect((await caseline('login', 'lab.coast')).stdout).toContain('Signed in as lab.coast');
    const created = await caseline(
      'create',
      '--case',
      `CLI-${Date.now().toString(36)}`,
      '--patient',
      'R.T.',
      '--item',
      'crown:46:zirconia:A3',
    );
    expect(created.code).toBe(0);
    const orderId = /order (ord_\w+)/.exec(created.stdout)?.[1] ?? '';
    const scan = join(home, 'lower.stl');
    await writeMeshFile(scan, 'stl-binary', { triangles: 3000, seed: 12 });
    const uploaded = await caseline('upload', orderId, scan);
    expect(uploaded.stdout).toMatch(/Uploaded lower\.stl as fil_/);
    expect(uploaded.stderr).toContain('100%');
    expect((await caseline('submit', orderId)).stdout).toContain(`Submitted ${orderId}`);
    expect((await caseline('list')).stdout).toContain(orderId);
    const shown = JSON.parse((await caseline('show', orderId)).stdout) as {
      orderId: string;
      patientRef: string;
    };
    expect(shown).toMatchObject({ orderId, patientRef: 'R.T.' });
  });

  it("prints the API's message, not a stack trace, and exits non-zero", async () => {
    await caseline('login', 'lab.coast');
    const bad = await caseline(
      'create',
      '--case',
      'CLI-BAD',
      '--patient',
      'Maria Gonzalez',
      '--item',
      'crown:46:zirconia:A3',
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^caseline: patientRef: Looks like a full name/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const missing = await caseline('show', 'ord_nope');
    expect(missing.stderr).toContain('No order ord_nope in your account');
  });

  it('uploads a scan already sent in another open order only when --remake confirms it', async () => {
    // Prepare: an open order with a scan, and a remake order of the same case.
    const caseRef = `CLI-R-${Date.now().toString(36)}`;
    const createArgs = [
      'create',
      '--case',
      caseRef,
      '--patient',
      'PT-5120',
      '--item',
      'crown:36:zirconia:A2',
    ];
    const first = await caselineAs('lab.coast', ...createArgs);
    const firstId = /order (ord_\w+)/.exec(first.stdout)?.[1] ?? '';
    const remake = await caselineAs('lab.coast', ...createArgs, '--remake');
    expect(remake.code).toBe(0);
    const remakeId = /order (ord_\w+)/.exec(remake.stdout)?.[1] ?? '';
    expect(remakeId).not.toBe(firstId);
    const scan = join(home, 'remake-upper.stl');
    await writeMeshFile(scan, 'stl-binary', { triangles: 800, seed: 5120 });
    expect((await caselineAs('lab.coast', 'upload', firstId, scan)).code).toBe(0);
    // Act: the same scan on the remake order, first unconfirmed, then with --remake.
    const unconfirmed = await caselineAs('lab.coast', 'upload', remakeId, scan);
    const confirmed = await caselineAs('lab.coast', 'upload', remakeId, scan, '--remake');
    // Assess: refused naming the order that holds it (no stack trace), then taken.
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toContain(`already sent in open order ${firstId}`);
    expect(unconfirmed.stderr).not.toMatch(/\n\s+at /);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toMatch(/Uploaded remake-upper\.stl as fil_\w+\./);
    const shown = JSON.parse((await caselineAs('lab.coast', 'show', remakeId)).stdout) as {
      files: { name: string; uploaded: boolean }[];
    };
    expect(shown.files).toEqual([expect.objectContaining({ name: 'remake-upper.stl', uploaded: true })]);
  });

  it('takes an order through the designer and lab commands: claim, download, hand-in, deliverables, accept, scans', async () => {
    // Prepare: a model and a splint, which only designer.lin takes, so other tests' queued
    // crowns on the shared stack cannot be handed to her instead.
    const created = await caselineAs(
      'lab.coast',
      'create',
      '--case',
      `CLI-D-${Date.now().toString(36)}`,
      '--patient',
      'PT-4411',
      '--item',
      'model@lower:print-resin',
      '--item',
      'splint-night-guard@upper:pmma',
      '--rush',
    );
    expect(created.stderr).toBe('');
    const orderId = /order (ord_\w+)/.exec(created.stdout)?.[1] ?? '';
    const scan = join(home, 'arches.stl');
    const scanFacts = await writeMeshFile(scan, 'stl-binary', { triangles: 4000, seed: 31 });
    expect((await caselineAs('lab.coast', 'upload', orderId, scan)).code).toBe(0);
    expect((await caselineAs('lab.coast', 'submit', orderId)).stdout).toContain(`Submitted ${orderId}`);
    const statusOf = async () =>
      (JSON.parse((await caselineAs('lab.coast', 'show', orderId)).stdout) as { status: string }).status;
    await eventually(async () => ((await statusOf()) === 'QUEUED' ? true : undefined), 20_000, 200);

    // Act: designer.lin claims it (the workflow may still be putting it in the queue)...
    const claimed = await eventually(
      async () => {
        const res = await caselineAs('designer.lin', 'claim');
        expect(res.code).toBe(0);
        return res.stdout.startsWith('Claimed') ? res.stdout : undefined;
      },
      20_000,
      200,
    );
    expect(claimed).toContain(`Claimed ${orderId}: ASSIGNED, rush`);
    expect(claimed).toContain('patient  PT-4411');
    expect(claimed).toMatch(/items\s+model lower arch print-resin/);
    expect(claimed).toContain('splint-night-guard upper arch pmma');
    expect(claimed).toMatch(/due\s+\d{4}-/);
    expect(claimed).toMatch(/lease\s+until \d{4}-/);
    expect((await caselineAs('designer.lin', 'assignments')).stdout).toContain(orderId);
    expect((await caselineAs('designer.lin', 'assignment', orderId)).stdout).toContain('PT-4411');
    expect((await caselineAs('designer.lin', 'heartbeat', orderId)).stdout).toMatch(
      new RegExp(`Lease on ${orderId} extended until \\d{4}-`),
    );
    // ...downloads the scan, checked against its SHA-256...
    const inputs = join(home, 'inputs');
    const downloaded = await caselineAs('designer.lin', 'download', orderId, '--out', inputs);
    expect(downloaded.code).toBe(0);
    expect(downloaded.stderr).toContain('100%');
    const inputPath = /Downloaded (\S+) \(SHA-256 checked\)/.exec(downloaded.stdout)?.[1] ?? '';
    expect(inputPath).toMatch(/fil_\w+\.stl$/);
    expect(sha256Hex(readFileSync(inputPath))).toBe(scanFacts.sha256);
    // ...hands in a design and a report, and submits.
    const design = join(home, 'splint.stl');
    const designFacts = await writeMeshFile(design, 'stl-binary', { triangles: 1500, seed: 32 });
    const report = join(home, 'design-report.pdf');
    writeFileSync(report, '%PDF-1.7\n% design report: splint and model, synthetic\n');
    const handedIn = await caselineAs('designer.lin', 'hand-in', orderId, design, report);
    expect(handedIn.code).toBe(0);
    expect(handedIn.stdout).toMatch(/Uploaded splint\.stl as fil_\w+ \(design version 1\)/);
    expect(handedIn.stdout).toMatch(/Uploaded design-report\.pdf as fil_\w+/);
    expect(handedIn.stderr).toContain('splint.stl 100%');
    expect((await caselineAs('designer.lin', 'submit-design', orderId)).stdout).toBe(
      `Submitted design version 1 of ${orderId}: QA.\n`,
    );

    // Assess: QA passes and the lab downloads the delivered version, then accepts it.
    await eventually(async () => ((await statusOf()) === 'DELIVERED' ? true : undefined), 20_000, 200);
    const outDir = join(home, 'delivered');
    const deliverables = await caselineAs('lab.coast', 'deliverables', orderId, '--out', outDir);
    expect(deliverables.code).toBe(0);
    expect(deliverables.stdout).toContain(`Version 1 of ${orderId} (DELIVERED; versions 1)`);
    const paths = deliverables.stdout
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter(Boolean);
    expect(paths.map((p) => p.split('.').pop()).sort()).toEqual(['pdf', 'stl']);
    const stl = paths.find((p) => p.endsWith('.stl')) ?? '';
    expect(sha256Hex(readFileSync(stl))).toBe(designFacts.sha256);
    expect((await caselineAs('lab.coast', 'accept', orderId)).stdout).toBe(
      `Accepted ${orderId}: ACCEPTED.\n`,
    );
    await eventually(async () => ((await statusOf()) === 'ARCHIVED' ? true : undefined), 20_000, 200);
    // The lab downloads its own scan: the bytes it uploaded.
    const scans = await caselineAs('lab.coast', 'scans', orderId, '--out', join(home, 'scans'));
    expect(scans.code).toBe(0);
    const scanPath = /Downloaded (\S+) \(SHA-256 checked\)/.exec(scans.stdout)?.[1] ?? '';
    expect(sha256Hex(readFileSync(scanPath))).toBe(scanFacts.sha256);
    // A designer no longer holds what was delivered.
    const gone = await caselineAs('designer.lin', 'download', orderId);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`caseline: You do not hold order ${orderId}`);
  });

  it('releases an order, which is then not offered back to the designer that let it go', async () => {
    // Prepare: a model, which only designer.lin takes on the shared stack, queued.
    const created = await caselineAs(
      'lab.coast',
      'create',
      '--case',
      `CLI-R-${Date.now().toString(36)}`,
      '--patient',
      'PT-4412',
      '--item',
      'model@upper:print-resin',
    );
    const orderId = /order (ord_\w+)/.exec(created.stdout)?.[1] ?? '';
    await writeMeshFile(join(home, 'upper.stl'), 'stl-binary', { triangles: 500, seed: 41 });
    expect((await caselineAs('lab.coast', 'upload', orderId, join(home, 'upper.stl'))).code).toBe(0);
    expect((await caselineAs('lab.coast', 'submit', orderId)).stdout).toContain(`Submitted ${orderId}`);
    const claimed = await eventually(
      async () => {
        const res = await caselineAs('designer.lin', 'claim');
        return res.stdout.startsWith('Claimed') ? res.stdout : undefined;
      },
      20_000,
      200,
    );
    expect(claimed).toContain(`Claimed ${orderId}`);

    // Act
    const released = await caselineAs('designer.lin', 'release', orderId);
    const again = await caselineAs('designer.lin', 'claim');

    // Assess: released, and her next claim passes over it (12 h cool-down); it stays queued for others.
    expect(released.stdout).toContain(`Released ${orderId}`);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Nothing to claim');
    const shown = JSON.parse((await caselineAs('lab.coast', 'show', orderId)).stdout) as { status: string };
    expect(shown.status).toBe('QUEUED');
  });
});
