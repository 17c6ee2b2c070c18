/**
 * The demo's first part, intake: a lab creates an order, generates a large full-arch scan,
 * uploads it with progress (multipart above 64 MB), double-clicks submit (one execution) and
 * follows the order to QUEUED; a truncated scan is rejected with its reason; a name is refused.
 */
import { join } from 'node:path';
import { writeMeshFile } from '../test/support/mesh-factory';
import { call, type Demo, type OrderView, say, step, waitFor } from './demo-support';

export interface IntakeResult {
  /** The order with the large scan, QUEUED: the lifecycle part designs it. */
  readonly orderId: string;
  readonly rejectedOrderId: string;
}

export const runIntake = async (demo: Demo, mb: number): Promise<IntakeResult> => {
  const { cli, dir } = demo;
  const lab = 'lab.acme';

  step(1, 'Acme Dental Lab creates an order (3-unit zirconia bridge 34–36, shade A2, standard turnaround)');
  const order = await call<{ orderId: string; status: string }>(demo, lab, 'POST', '/orders', {
    caseRef: `DEMO-${Date.now().toString(36).toUpperCase()}`,
    patientRef: 'J.D.',
    items: [{ type: 'bridge', teeth: [34, 35, 36], material: 'zirconia', shade: 'A2' }],
    turnaround: 'standard',
    notes: 'Pontic 35 ovate; light contacts on 33 and 37.',
  });
  say(`   -> order ${order.orderId}: ${order.status}`);

  const scanPath = join(dir, 'lower-arch.stl');
  step(2, `The scanner exports a lower-arch scan (${mb} MB binary STL)`);
  const scan = await writeMeshFile(scanPath, 'stl-binary', { targetBytes: mb * 1024 * 1024, seed: 7 });
  say(`   -> ${(scan.sizeBytes / 1048576).toFixed(1)} MB, sha256 ${scan.sha256.slice(0, 16)}…`);

  step(
    3,
    `Upload straight to S3 through presigned URLs (${scan.sizeBytes > 64 * 1048576 ? 'multipart above 64 MB, part URLs signed as it goes' : 'one presigned PUT up to 64 MB'})`,
  );
  const t0 = performance.now();
  const fileId = await cli.withToken(await demo.api.token(lab), () =>
    cli.uploadFile(order.orderId, scanPath),
  );
  const seconds = (performance.now() - t0) / 1000;
  say(
    `   -> ${fileId} uploaded in ${seconds.toFixed(1)} s (${(scan.sizeBytes / 1048576 / seconds).toFixed(0)} MB/s)`,
  );

  step(4, 'Submit (a double click starts one workflow, not two)');
  const [a, b] = await Promise.all([
    call<{ executionArn: string }>(demo, lab, 'POST', `/orders/${order.orderId}/submit`),
    call<{ executionArn: string }>(demo, lab, 'POST', `/orders/${order.orderId}/submit`),
  ]);
  say(
    `   -> one execution: ${a.executionArn === b.executionArn ? 'yes' : 'NO'} (${a.executionArn.split(':').pop()})`,
  );

  step(5, 'Ingest checks size, SHA-256 and the mesh, streaming');
  const t1 = performance.now();
  const queued = (await waitFor(demo, lab, order.orderId, ['QUEUED', 'REJECTED', 'STUCK'])) as OrderView & {
    files: { check?: { mesh?: unknown } }[];
  };
  say(`   -> ${queued.status} after ${((performance.now() - t1) / 1000).toFixed(1)} s; due ${queued.dueAt}`);
  say(`   -> mesh: ${JSON.stringify(queued.files[0]?.check?.mesh)}`);

  step(6, 'A truncated scan is rejected with a reason the lab can act on');
  const bad = await call<{ orderId: string }>(demo, lab, 'POST', '/orders', {
    caseRef: `DEMO-BAD-${Date.now().toString(36).toUpperCase()}`,
    patientRef: 'K.L.',
    items: [{ type: 'crown', teeth: [11], material: 'lithium-disilicate', shade: 'A1' }],
  });
  const badPath = join(dir, 'upper.stl');
  await writeMeshFile(badPath, 'stl-binary-truncated', { triangles: 5000, seed: 9 });
  await cli.withToken(await demo.api.token(lab), () => cli.uploadFile(bad.orderId, badPath, { quiet: true }));
  await call(demo, lab, 'POST', `/orders/${bad.orderId}/submit`);
  const badView = (await waitFor(demo, lab, bad.orderId, ['REJECTED', 'QUEUED', 'STUCK'])) as OrderView & {
    files: { check?: { problem?: string } }[];
  };
  say(`   -> ${badView.status}: ${badView.files[0]?.check?.problem}`);

  step(7, 'A name in the notes never gets in');
  const phi = await demo.api.call<{ fields: { field: string; message: string }[] }>('POST', '/orders', {
    as: lab,
    body: {
      caseRef: 'DEMO-PHI',
      patientRef: 'Maria Gonzalez',
      items: [{ type: 'crown', teeth: [21], material: 'zirconia', shade: 'A2' }],
      notes: 'Patient DOB 03/02/1984, call 555-201-3344',
    },
  });
  say(`   -> HTTP ${phi.status}`);
  for (const f of phi.body.fields) say(`      ${f.field}: ${f.message}`);

  return { orderId: order.orderId, rejectedOrderId: bad.orderId };
};
