/**
 * `npm run demo`: a lab submits a case on the local stack, as a lab would with the CLI.
 * Generates a realistic full-arch scan (binary STL, ~80 MB: multipart, with progress),
 * uploads it, submits, and follows the order to QUEUED; then shows what a bad scan gets.
 *   --mb N     size of the generated scan in MB (default 80)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalStack } from '../local/stack';
import { writeMeshFile } from '../test/support/mesh-factory';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '80' } } });
const say = (line = '') => process.stdout.write(`${line}\n`);

process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
const stack = await startLocalStack({ port: 0 });
const dir = mkdtempSync(join(tmpdir(), 'caseline-demo-'));
process.env.CASELINE_API = stack.apiUrl;
process.env.CASELINE_HOME = dir;

try {
  say(`Local stack up in ${stack.startupMs} ms at ${stack.apiUrl}`);
  const tokenRes = await fetch(`${stack.apiUrl}/local/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'lab.acme' }),
  });
  process.env.CASELINE_TOKEN = ((await tokenRes.json()) as { accessToken: string }).accessToken;
  // The CLI reads where and who at import: import it once the environment says so.
  const cli = await import('../cli/main');

  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${process.env.CASELINE_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return (await res.json()) as T;
  };

  say('\n1. Acme Dental Lab creates an order (3-unit zirconia bridge 34–36, shade A2, standard turnaround)');
  const order = await call<{ orderId: string; status: string }>('POST', '/orders', {
    caseRef: `DEMO-${Date.now().toString(36).toUpperCase()}`,
    patientRef: 'J.D.',
    items: [{ type: 'bridge', teeth: [34, 35, 36], material: 'zirconia', shade: 'A2' }],
    turnaround: 'standard',
    notes: 'Pontic 35 ovate; light contacts on 33 and 37.',
  });
  say(`   -> order ${order.orderId}: ${order.status}`);

  const targetBytes = Number(values.mb) * 1024 * 1024;
  const scanPath = join(dir, 'lower-arch.stl');
  say(`\n2. The scanner exports a lower-arch scan (${values.mb} MB binary STL)`);
  const scan = await writeMeshFile(scanPath, 'stl-binary', { targetBytes, seed: 7 });
  say(`   -> ${(scan.sizeBytes / 1048576).toFixed(1)} MB, sha256 ${scan.sha256.slice(0, 16)}…`);

  say(
    '\n3. Upload straight to S3 through presigned URLs (multipart above 64 MB, part URLs signed as it goes)',
  );
  const t0 = performance.now();
  const fileId = await cli.uploadFile(order.orderId, scanPath);
  const seconds = (performance.now() - t0) / 1000;
  say(
    `   -> ${fileId} uploaded in ${seconds.toFixed(1)} s (${(scan.sizeBytes / 1048576 / seconds).toFixed(0)} MB/s)`,
  );

  say('\n4. Submit (a double click starts one workflow, not two)');
  const [a, b] = await Promise.all([
    call<{ executionArn: string }>('POST', `/orders/${order.orderId}/submit`),
    call<{ executionArn: string }>('POST', `/orders/${order.orderId}/submit`),
  ]);
  say(
    `   -> one execution: ${a.executionArn === b.executionArn ? 'yes' : 'NO'} (${a.executionArn.split(':').pop()})`,
  );

  say('\n5. Ingest checks size, SHA-256 and the mesh, streaming');
  let view: {
    status: string;
    dueAt?: string;
    files: { check?: { mesh?: { triangles: number; bbox: unknown } } }[];
    timeline: { at: string; type: string; by: string }[];
  };
  const t1 = performance.now();
  for (;;) {
    view = await call('GET', `/orders/${order.orderId}`);
    if (view.status !== 'SUBMITTED') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  say(`   -> ${view.status} after ${((performance.now() - t1) / 1000).toFixed(1)} s; due ${view.dueAt}`);
  say(`   -> mesh: ${JSON.stringify(view.files[0]?.check?.mesh)}`);
  say('\n   Timeline:');
  for (const e of view.timeline) say(`     ${e.at}  ${e.type.padEnd(14)} by ${e.by}`);

  say('\n6. A truncated scan is rejected with a reason the lab can act on');
  const bad = await call<{ orderId: string }>('POST', '/orders', {
    caseRef: `DEMO-BAD-${Date.now().toString(36).toUpperCase()}`,
    patientRef: 'K.L.',
    items: [{ type: 'crown', teeth: [11], material: 'lithium-disilicate', shade: 'A1' }],
  });
  const badPath = join(dir, 'upper.stl');
  await writeMeshFile(badPath, 'stl-binary-truncated', { triangles: 5000, seed: 9 });
  await cli.uploadFile(bad.orderId, badPath, { quiet: true });
  await call('POST', `/orders/${bad.orderId}/submit`);
  let badView: { status: string; files: { check?: { problem?: string } }[] };
  for (;;) {
    badView = await call('GET', `/orders/${bad.orderId}`);
    if (badView.status !== 'SUBMITTED') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  say(`   -> ${badView.status}: ${badView.files[0]?.check?.problem}`);

  say('\n7. A name in the notes never gets in');
  const phi = await fetch(`${stack.apiUrl}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${process.env.CASELINE_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      caseRef: 'DEMO-PHI',
      patientRef: 'Maria Gonzalez',
      items: [{ type: 'crown', teeth: [21], material: 'zirconia', shade: 'A2' }],
      notes: 'Patient DOB 03/02/1984, call 555-201-3344',
    }),
  });
  const phiBody = (await phi.json()) as { fields: { field: string; message: string }[] };
  say(`   -> HTTP ${phi.status}`);
  for (const f of phiBody.fields) say(`      ${f.field}: ${f.message}`);

  say('\n8. The lab is told: notifications outbox');
  const outbox = (await (await fetch(`${stack.apiUrl}/local/outbox`)).json()) as {
    topic: string;
    message: string;
  }[];
  for (const m of outbox) say(`   ${m.topic}: ${m.message}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await stack.stop();
}
