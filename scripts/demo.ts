/**
 * `npm run demo`: the whole order lifecycle on a fresh local stack, unattended.
 *
 *   Part 1, intake (scripts/demo-intake.ts): a lab generates a realistic full-arch scan (binary
 *   STL, ~80 MB: multipart, with progress), uploads it, submits, and follows the order to QUEUED;
 *   a truncated scan is rejected with its reason; a patient name is refused.
 *   Part 2, design (scripts/demo-lifecycle.ts): three labs' orders (a bridge, a rush crown, a
 *   crown, a night guard) go to three designers, who claim, download and hand in; one design is
 *   revised (offered first to its designer), one lease expires and another designer picks the
 *   order up, one delivery is accepted automatically after the operator moves the clock 8 days.
 *   Then (scripts/demo-report.ts) each order's timeline and the notifications outbox.
 *   Part 3, onboarding (scripts/demo-onboarding.ts): a fourth lab is onboarded without a BAA, its
 *   lab-admin invited, contacts and a technician added; the technician's order is refused (403
 *   BAA_REQUIRED) until the BAA is recorded and the account ACTIVE, then goes through.
 *   Part 4, an audit (scripts/demo-audit.ts): Acme's lab-admin exports the account's audit trail
 *   with the CLI, which verifies it offline against the audit public key; a line edited after the
 *   download, and an event edited in DynamoDB before an export, are each refused with the reason.
 *   Part 5, deletion with proof (scripts/demo-purge.ts): a lab's deletion request, the purge after
 *   the grace period, its certificate verified offline (and a tampered copy refused), and an
 *   account termination with one summary certificate.
 *   Part 6, a breach (scripts/demo-incidents.ts): a designer's token probes other labs' orders and
 *   bulk-downloads inputs (claim, download, release, repeated): the detector opens one incident
 *   with both signals, and her own report of two downloads joins it; the officer is paged, reads
 *   the scope, confirms, suspends the designer, sends each lab its notice, Acme acknowledges; a second incident left alone sends its preliminary notice by itself
 *   before the 24-hour window closes. Timelines printed against the window.
 *
 *   --mb N     size of the generated scan in MB (default 80; at most 64 is one presigned PUT)
 *
 * Synthetic data only: patient references are initials and pseudonyms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Api } from '../test/support/api';
import type { Demo } from './demo-support';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '80' } } });
const started = performance.now();

// Before the stack and the handlers are imported: their logger reads the level when it is created.
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
// Business metrics (EMF lines on stdout) stay quiet like the logs: nothing here reads them.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { startLocalStack } = await import('../local/stack');
const stack = await startLocalStack({ port: 0 });
const dir = mkdtempSync(join(tmpdir(), 'caseline-demo-'));
// The CLI reads where it talks to at import: import it once the environment says so.
process.env.CASELINE_API = stack.apiUrl;
process.env.CASELINE_HOME = dir;

try {
  const cli = await import('../cli/main');
  const { say } = await import('./demo-support');
  const { runIntake } = await import('./demo-intake');
  const { runLifecycle } = await import('./demo-lifecycle');
  const { printReport } = await import('./demo-report');
  const { runPurge } = await import('./demo-purge');
  const { runOnboarding } = await import('./demo-onboarding');
  const { runAudit } = await import('./demo-audit');
  const { runIncidents } = await import('./demo-incidents');
  const demo: Demo = {
    apiUrl: stack.apiUrl,
    api: new Api(stack.apiUrl),
    cli,
    dir,
    endpoints: stack.endpoints,
  };

  say(`Local stack up in ${stack.startupMs} ms at ${stack.apiUrl}`);
  say('\n== Part 1: intake ==');
  const intake = await runIntake(demo, Number(values.mb));
  const { orders, next } = await runLifecycle(demo, intake, 8);
  await printReport(
    demo,
    [...orders, { orderId: intake.rejectedOrderId, lab: 'lab.acme', story: 'truncated scan' }],
    next,
  );
  const afterOnboarding = await runOnboarding(demo, next + 2);
  const afterAudit = await runAudit(demo, afterOnboarding);
  const afterPurge = await runPurge(demo, orders, afterAudit);
  await runIncidents(demo, afterPurge);
  say(`\nDemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
} catch (error) {
  process.stderr.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
  await stack.stop();
}
