/** The lab CLI, run as a lab would run it, against the shared local stack. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { writeMeshFile } from '../support/mesh-factory';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const home = mkdtempSync(join(tmpdir(), 'caseline-cli-'));
const run = promisify(execFile);

const caseline = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(ROOT, 'cli', 'caseline.mjs'), ...args], {
      cwd: ROOT,
      env: { ...process.env, CASELINE_API: inject('apiUrl'), CASELINE_HOME: home, CASELINE_TOKEN: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

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
});
