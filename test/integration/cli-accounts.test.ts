/** `caseline accounts …` run as an operator and a lab-admin would, against the shared local stack. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Api } from '../support/api';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const home = mkdtempSync(join(tmpdir(), 'caseline-cli-accounts-'));
const run = promisify(execFile);
const api = new Api(inject('apiUrl'));

const caselineAs = async (username: string, ...args: string[]) => {
  const token = await api.token(username);
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

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('caseline accounts', () => {
  it('onboards, activates, invites an admin who invites a user, lists and removes it', async () => {
    const id = `lab-cli${randomBytes(3).toString('hex')}`;
    const contact = `Dana Reyes,security@${id}.example.com,+15550104444,breach+termination`;
    const created = await caselineAs(
      'operator.omar',
      'accounts',
      'create',
      id,
      '--name',
      'CLI Dental LLC',
      '--country',
      'US',
      '--state',
      'NY',
      '--contact',
      contact,
    );
    expect(created.stdout).toContain(`Onboarded ${id}`);
    expect(created.stdout).toContain('no BAA on file');
    const early = await caselineAs('operator.omar', 'accounts', 'update', id, '--status', 'ACTIVE');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('no BAA on file');
    const active = await caselineAs(
      'operator.omar',
      'accounts',
      'update',
      id,
      '--status',
      'ACTIVE',
      '--baa-signed',
      '2025-11-01',
      '--baa-version',
      '2025.2',
      '--baa-effective',
      '2025-11-15',
      '--breach-hours',
      '12',
    );
    expect(active.stdout).toMatch(/ACTIVE\s+BAA 2025\.2 from 2025-11-15, breach notice 12 h/);
    const admin = `admin@${id}.example.com`;
    expect(
      (await caselineAs('operator.omar', 'accounts', 'invite', id, admin, '--role', 'lab-admin')).stdout,
    ).toContain('as lab-admin');
    const tech = `tech@${id}.example.com`;
    const invited = await caselineAs(admin, 'accounts', 'invite', id, tech);
    const userId = /user ([\w-]+)\)/.exec(invited.stdout)?.[1] ?? '';
    expect(userId).not.toBe('');
    expect((await caselineAs(admin, 'accounts', 'users', id)).stdout).toContain(tech);
    expect((await caselineAs(admin, 'accounts', 'remove-user', id, userId)).stdout).toContain(
      'every session revoked',
    );
    expect((await caselineAs(admin, 'accounts', 'users', id)).stdout).not.toContain(tech);
    // A bad field is named, with how to fix it.
    const bad = await caselineAs(
      'operator.omar',
      'accounts',
      'create',
      `${id}x`,
      '--name',
      'X',
      '--country',
      'USA',
      '--contact',
      contact,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('country');
  });
});
