/**
 * The demo's onboarding part: a fourth lab becomes a partner. An operator onboards it (no BAA
 * yet), invites its administrator; the administrator keeps its security contacts and invites a
 * technician, whose first order is refused until the BAA is on file and the account ACTIVE; then
 * the same order goes through. Last, the administrator takes the account's data away (GDPR Art
 * 20): an export, downloaded and checked against its signed manifest. All through the CLI
 * (`caseline accounts …`, `caseline export …`) and the API.
 */
import { join } from 'node:path';
import { makeCreateOrderRequest } from '../test/support/factories';
import { as, call, type Demo, say, sleep, step } from './demo-support';

const ID = 'lab-delta';
const ADMIN = `admin@${ID}.example.com`;
const TECH = `tech@${ID}.example.com`;

export const runOnboarding = async (demo: Demo, first: number): Promise<number> => {
  let n = first;
  const cli = (username: string, ...args: string[]) => as(demo, username, () => demo.cli.run(args));
  say('\n== Part 3: onboarding a fourth lab ==');

  step(n++, 'The operator onboards Delta Dental Ceramics (ONBOARDING: no BAA on file yet)');
  await cli(
    'operator.omar',
    'accounts',
    'create',
    ID,
    '--name',
    'Delta Dental Ceramics LLC',
    '--country',
    'US',
    '--state',
    'NY',
    '--contact',
    `Dana Reyes,security@${ID}.example.com,+15550104444,breach+security-incident+termination`,
  );

  step(
    n++,
    'The operator invites its administrator; the administrator adds a privacy contact and a technician',
  );
  await cli('operator.omar', 'accounts', 'invite', ID, ADMIN, '--role', 'lab-admin');
  await cli(
    ADMIN,
    'accounts',
    'update',
    ID,
    '--contact',
    `Dana Reyes,security@${ID}.example.com,+15550104444,breach+security-incident+termination`,
    '--contact',
    `Lee Park,privacy@${ID}.example.com,+15550104445,breach+audit`,
  );
  await cli(ADMIN, 'accounts', 'invite', ID, TECH);

  step(n++, 'The technician sends a case before the BAA is on file: refused, no PHI accepted');
  const body = makeCreateOrderRequest({ caseRef: 'DELTA-0001', patientRef: 'M.K.' });
  const refused = await call<{ code: string; message: string }>(demo, TECH, 'POST', '/orders', body, [403]);
  say(`   -> HTTP 403 ${refused.code}: ${refused.message}`);

  step(n++, 'The operator records the signed BAA (breach notice within 24 h) and activates the account');
  const today = (await call<{ now: string }>(demo, undefined, 'GET', '/local/clock')).now.slice(0, 10);
  await cli(
    'operator.omar',
    'accounts',
    'update',
    ID,
    '--status',
    'ACTIVE',
    '--baa-signed',
    today,
    '--baa-version',
    '2026.1',
    '--baa-effective',
    today,
  );

  step(n++, 'The technician sends the same case again');
  const created = await call<{ orderId: string; status: string }>(demo, TECH, 'POST', '/orders', body);
  say(`   -> order ${created.orderId} created: ${created.status}`);
  await cli(ADMIN, 'accounts', 'users', ID);

  step(n++, 'The administrator exports the account (data portability), downloads it and checks the manifest');
  const requested = await call<{ exportId: string }>(demo, ADMIN, 'POST', `/accounts/${ID}/exports`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { status } = await call<{ status: string }>(
      demo,
      ADMIN,
      'GET',
      `/accounts/${ID}/exports/${requested.exportId}`,
    );
    if (status === 'READY') break;
    if (status !== 'RUNNING' || Date.now() > deadline)
      throw new Error(`export ${requested.exportId} ended ${status}`);
    await sleep(100);
  }
  await cli(ADMIN, 'export', 'download', requested.exportId, '--out', join(demo.dir, `${ID}-export.zip`));
  return n;
};
