/**
 * `npm run check:bundles` (part of `npm test`): the deployed bundles are what is tested.
 *
 * 1. Builds every function as `cdk synth` does (lib/bundling.ts, scripts/bundles.ts) into a
 *    temporary directory.
 * 2. Checks each bundle against the catalogue: no source map in the asset, and no AWS SDK client
 *    its declared adapters (lib/function-adapters.ts, lib/adapter-calls.ts) do not call, so the
 *    wiring cannot quietly pull every client back in; no default credential chain (lib/bundling.ts);
 *    the PHI screen's name lists only in the functions that screen free text with them.
 * 3. Starts a local stack whose functions run from those bundles (not the TypeScript sources),
 *    imports every bundle, and drives one order's whole lifecycle over HTTP through them: create,
 *    upload, submit (ingest), claim, inputs, hand-in (QA, delivery), deliverables, accept
 *    (archive). An ESM/CJS, dynamic-import or missing-module problem only the bundle has fails here.
 *
 * Exits 1 with the reasons on stderr; prints one line per step.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ADAPTERS, type AdapterId, type ResourceRef } from '../lib/adapter-calls';
import { FUNCTION_ADAPTERS } from '../lib/function-adapters';
import { Api } from '../test/support/api';
import { claim, draftOrder, handIn, waitForStatus } from '../test/support/lifecycle';
import { type BuiltBundle, buildBundles } from './bundles';

const say = (line: string) => process.stderr.write(`check:bundles: ${line}\n`);
const problems: string[] = [];

const CLIENT_OF: Readonly<Record<string, string>> = {
  table: 'client-dynamodb',
  objects: 'client-s3',
  bucket: 'client-s3',
  key: 'client-kms',
  accountKeys: 'client-kms',
  stateMachine: 'client-sfn',
  execution: 'client-sfn',
  topic: 'client-sns',
  userPool: 'client-cognito-identity-provider',
};

/**
 * The functions that screen free text for bare names (order notes and references; a revision's
 * comment; an incident report's description, the officer's assessment and notice text). Every other bundle must leave the name lists (~70 KB) out: lambdas/domain/phi-screen.ts
 * runs nothing at import, so a module that imports the screen without calling it costs nothing.
 */
const SCREENS_NAMES = new Set(['createOrder', 'requestRevision', 'reportIncident', 'incidentOfficer']);

/** The SDK client packages a function's declared adapters send commands through. */
const clientsNeeded = (id: string): Set<string> => {
  const uses = FUNCTION_ADAPTERS[id] ?? {};
  const needed = new Set<string>();
  for (const adapter of Object.keys(uses) as AdapterId[]) {
    for (const calls of Object.values<readonly { on: ResourceRef }[]>(ADAPTERS[adapter].methods)) {
      for (const call of calls) needed.add(CLIENT_OF[call.on.split(':')[0] ?? ''] ?? call.on);
    }
  }
  return needed;
};

const checkContents = async (bundle: BuiltBundle) => {
  const code = await readFile(bundle.file, 'utf8');
  if (code.includes('sourceMappingURL=')) problems.push(`${bundle.id}: the bundle links a source map`);
  const clients = new Set(
    bundle.inputs.flatMap((i) => /node_modules\/@aws-sdk\/(client-[a-z0-9-]+)\//.exec(i)?.[1] ?? []),
  );
  const needed = clientsNeeded(bundle.id);
  const extra = [...clients].filter((c) => !needed.has(c));
  if (extra.length)
    problems.push(`${bundle.id}: bundles ${extra.join(', ')}, which no adapter it declares calls`);
  const chain = bundle.inputs.filter((i) =>
    /node_modules\/@aws-sdk\/(credential-provider-(?!env)[a-z-]+|nested-clients|token-providers)\//.test(i),
  );
  if (chain.length)
    problems.push(
      `${bundle.id}: bundles the SDK's default credential chain (${[...new Set(chain.map((i) => i.split('/')[2]))].join(', ')}); lib/bundling.ts aliases it away`,
    );
  if (
    !SCREENS_NAMES.has(bundle.id) &&
    bundle.inputs.some((i) => i.endsWith('lambdas/domain/common-names.ts'))
  )
    problems.push(`${bundle.id}: bundles the PHI screen's name lists, though it screens no free text`);
};

const started = performance.now();
const dir = await mkdtemp(join(tmpdir(), 'caseline-bundles-'));
try {
  const bundles = await buildBundles(dir);
  say(`built ${bundles.length} bundles in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  for (const bundle of bundles) await checkContents(bundle);
  const withZod = bundles.filter((b) => b.inputs.some((i) => i.includes('node_modules/zod/'))).length;
  say(`contents checked (${withZod} of ${bundles.length} still carry zod)`);

  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  // Business metrics (EMF lines on stdout) stay quiet like the logs: nothing here reads them.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { startLocalStack } = await import('../local/stack');
  const stack = await startLocalStack({
    port: 0,
    bundleDir: dir,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0 },
  });
  try {
    // Every bundle loads in the stack's environment (the Cognito trigger too).
    for (const bundle of bundles) {
      try {
        const mod = (await import(pathToFileURL(bundle.file).href)) as { handler?: unknown };
        if (typeof mod.handler !== 'function') problems.push(`${bundle.id}: exports no handler`);
      } catch (error) {
        problems.push(`${bundle.id}: import failed: ${(error as Error).message}`);
      }
    }
    say('every bundle imported');
    if (problems.length === 0) {
      const api = new Api(stack.apiUrl);
      const expect = (what: string, ok: boolean, detail: unknown) => {
        if (!ok) throw new Error(`${what}: ${JSON.stringify(detail).slice(0, 300)}`);
        say(`ok  ${what}`);
      };
      try {
        const health = await api.call('GET', '/health');
        expect('GET /health', health.status === 200, health);
        const { orderId } = await draftOrder(api);
        expect('POST /orders, POST /orders/{id}/uploads, PUT upload', true, orderId);
        const submitted = await api.call('POST', `/orders/${orderId}/submit`, { as: 'lab.acme' });
        expect('POST /orders/{id}/submit', submitted.status === 202 || submitted.status === 200, submitted);
        await waitForStatus(api, orderId, ['QUEUED']);
        expect('ingest (workflow) to QUEUED', true, orderId);
        const claimed = await claim(api, 'designer.priya');
        expect('POST /queue/claim', claimed.orderId === orderId, claimed);
        const inputs = await api.call<{ files: unknown[] }>('GET', `/assignments/${orderId}/inputs`, {
          as: 'designer.priya',
        });
        expect('GET /assignments/{id}/inputs', inputs.status === 200 && inputs.body.files.length > 0, inputs);
        const handedIn = await handIn(api, 'designer.priya', orderId);
        expect('POST /assignments/{id}/uploads, /submit', handedIn.status === 202, handedIn);
        await waitForStatus(api, orderId, ['DELIVERED']);
        expect('QA and delivery (workflow) to DELIVERED', true, orderId);
        const deliverables = await api.call('GET', `/orders/${orderId}/deliverables`, { as: 'lab.acme' });
        expect('GET /orders/{id}/deliverables', deliverables.status === 200, deliverables);
        const accepted = await api.call('POST', `/orders/${orderId}/accept`, { as: 'lab.acme' });
        expect('POST /orders/{id}/accept', accepted.status === 200, accepted);
        await waitForStatus(api, orderId, ['ARCHIVED']);
        expect('archive (workflow) to ARCHIVED', true, orderId);
        // An audit export of the lifecycle's account: the zip writer and the audit key in a task bundle.
        const to = (await api.call<{ now: string }>('GET', '/local/clock')).body.now;
        const sealed = await api.call('POST', '/local/jobs/sealAudit', { as: 'operator.omar' });
        expect('sealAudit', sealed.status === 200, sealed);
        const asked = await api.call<{ exportId: string }>('POST', '/accounts/lab-acme/audit-exports', {
          as: 'admin.acme',
          body: { from: new Date(Date.parse(to) - 3_600_000).toISOString(), to },
        });
        expect('POST /accounts/{id}/audit-exports', asked.status === 202, asked);
        const deadline = Date.now() + 60_000;
        let auditExport = '';
        while (auditExport !== 'READY' && auditExport !== 'FAILED' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 250));
          const status = await api.call<{ status: string }>(
            'GET',
            `/accounts/lab-acme/audit-exports/${asked.body.exportId}`,
            { as: 'admin.acme' },
          );
          auditExport = status.body.status;
        }
        expect('audit export (workflow) to READY', auditExport === 'READY', auditExport);
        // Every function the lifecycle invoked ran from its bundle, not from its source.
        const loaded = [...stack.loadedFunctions()];
        const fromSource = loaded.filter(([, file]) => !file.startsWith(dir)).map(([id]) => id);
        expect(
          `${loaded.length} functions ran from their bundles`,
          loaded.length >= 10 && !fromSource.length,
          {
            fromSource,
          },
        );
      } catch (error) {
        problems.push(`lifecycle through the bundles: ${(error as Error).message}`);
      }
    }
  } finally {
    await stack.stop();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

if (problems.length) {
  for (const p of problems) say(`FAIL ${p}`);
  process.exitCode = 1;
} else {
  say(`passed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
