/**
 * The demo's second part, the design lifecycle: three labs' orders go through the queue to three
 * designers and back. One design is revised (offered first to its designer), one lease expires
 * and another designer picks the order up, and one delivery is accepted automatically.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type MeshKind, writeMeshFile } from '../test/support/mesh-factory';
import type { IntakeResult } from './demo-intake';
import {
  as,
  call,
  claimAs,
  type Demo,
  describeItems,
  type OrderView,
  say,
  sleep,
  step,
  view,
  waitFor,
} from './demo-support';

export interface DemoOrder {
  readonly orderId: string;
  readonly lab: string;
  readonly story: string;
}

type Assignment = NonNullable<Awaited<ReturnType<Demo['cli']['claimNext']>>>;

const short = (orderId: string) => `…${orderId.slice(-6)}`;

export const runLifecycle = async (
  demo: Demo,
  intake: IntakeResult,
  first: number,
): Promise<{ orders: DemoOrder[]; next: number }> => {
  const { cli, dir } = demo;
  let n = first;
  let seed = 100;

  const submitWithScan = async (lab: string, body: Record<string, unknown>) => {
    const created = await call<{ orderId: string }>(demo, lab, 'POST', '/orders', body);
    const scan = join(dir, `${created.orderId}-scan.stl`);
    await writeMeshFile(scan, 'stl-binary', { triangles: 20_000, seed: seed++ });
    await as(demo, lab, () => cli.uploadFile(created.orderId, scan, { quiet: true }));
    await call(demo, lab, 'POST', `/orders/${created.orderId}/submit`);
    return created.orderId;
  };

  /** A design mesh and a PDF report, uploaded through presigned PUTs and submitted. */
  const handIn = async (designer: string, orderId: string, name: string, kind: MeshKind) => {
    const mesh = join(dir, name);
    await writeMeshFile(mesh, kind, { triangles: 3000, seed: seed++ });
    const report = join(dir, `${orderId}-report.pdf`);
    writeFileSync(
      report,
      `%PDF-1.4\n% Design report for ${orderId}: margins, contacts, thickness checked.\n%%EOF\n`,
    );
    return as(demo, designer, async () => {
      await cli.handInFile(orderId, mesh, { quiet: true });
      await cli.handInFile(orderId, report, { quiet: true });
      return cli.submitDesign(orderId);
    });
  };

  const download = (designer: string, orderId: string, quiet: boolean) =>
    as(demo, designer, async () => {
      const listing = await cli.call<{ files: import('../cli/main').ListedFile[] }>(
        'GET',
        `/assignments/${orderId}/inputs`,
      );
      const t0 = performance.now();
      const paths = await cli.downloadFiles(listing.files, join(dir, designer), { quiet });
      const mb = listing.files.reduce((s, f) => s + f.sizeBytes, 0) / 1048576;
      say(
        `   ${designer.padEnd(15)} ${short(orderId)}: ${paths.length} scan(s), ${mb.toFixed(1)} MB, SHA-256 checked, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    });

  const printClaim = (designer: string, a: Assignment) =>
    say(
      `   ${designer.padEnd(15)} -> ${short(a.orderId)}  ${a.turnaround.padEnd(8)} ${a.items
        .map((i) => [i.type, i.arch, i.teeth?.join('+'), i.material, i.shade].filter(Boolean).join(' '))
        .join(
          '; ',
        )}, patient ${a.patientRef}${a.revision ? `, revision ${a.revision} (design v${a.version})` : ''}; lease until ${a.leaseExpiresAt?.slice(11, 16)} UTC`,
    );

  const expectClaim = async (designer: string, ...orderIds: string[]) => {
    const a = await claimAs(demo, designer);
    printClaim(designer, a);
    if (!orderIds.includes(a.orderId))
      throw new Error(`${designer} was handed ${a.orderId}, expected ${orderIds.join(' or ')}`);
    return a;
  };

  const advance = async (body: Record<string, number>, job: string) => {
    const res = await call<{ now: string; jobs: { job: string; ok: boolean; result?: unknown }[] }>(
      demo,
      'operator.omar',
      'POST',
      '/local/clock/advance',
      body,
    );
    const run = res.jobs.find((j) => j.job === job);
    say(
      `   -> clock now ${res.now.slice(0, 16).replace('T', ' ')} UTC; ${job}: ${JSON.stringify(run?.result)}`,
    );
  };

  // ------------------------------------------------------------------------------------------
  say('\n== Part 2: the design lifecycle, three labs and three designers ==');
  const A = intake.orderId;
  step(
    n++,
    'Bright Smile, Acme and Coast Prosthetics submit three more cases (Acme’s bridge from part 1 is queued)',
  );
  const B = await submitWithScan('lab.bright', {
    caseRef: `BS-${Date.now().toString(36).toUpperCase()}`,
    patientRef: 'PT-20931',
    items: [{ type: 'crown', teeth: [46], material: 'zirconia', shade: 'A3' }],
    turnaround: 'rush',
    notes: 'Rush: patient leaves on Friday. Deep distal margin.',
  });
  const C = await submitWithScan('lab.acme', {
    caseRef: `AC-${Date.now().toString(36).toUpperCase()}`,
    patientRef: 'R.M.',
    items: [{ type: 'crown', teeth: [11], material: 'lithium-disilicate', shade: 'A1' }],
    turnaround: 'standard',
  });
  const D = await submitWithScan('lab.coast', {
    caseRef: `CP-${Date.now().toString(36).toUpperCase()}`,
    patientRef: 'PT-55170',
    items: [{ type: 'splint-night-guard', arch: 'upper', material: 'pmma' }],
    turnaround: 'standard',
    notes: 'Bruxism; flat plane, canine guidance.',
  });
  const orders: DemoOrder[] = [
    { orderId: A, lab: 'lab.acme', story: 'designed, accepted' },
    { orderId: B, lab: 'lab.bright', story: 'rush; revised once, then accepted' },
    { orderId: C, lab: 'lab.acme', story: 'lease expired; another designer finished it' },
    { orderId: D, lab: 'lab.coast', story: 'no decision; accepted automatically' },
  ];
  for (const o of orders) {
    const v: OrderView = await waitFor(demo, o.lab, o.orderId, ['QUEUED']);
    say(
      `   ${o.lab.padEnd(11)} ${short(o.orderId)}  ${v.turnaround.padEnd(8)} ${describeItems(v.items).padEnd(38)} QUEUED, due ${v.dueAt?.slice(0, 16).replace('T', ' ')} UTC`,
    );
  }
  // The workflow puts each order in the queue just after it shows QUEUED.
  await sleep(400);

  step(n++, 'Designers pull the most urgent job that fits their skills (rush first)');
  // Marco takes both crowns, the rush one first (unless the workflow is slow to queue it).
  const firstOfMarco = await expectClaim('designer.marco', B, C);
  await expectClaim('designer.marco', firstOfMarco.orderId === B ? C : B);
  await expectClaim('designer.priya', A);
  await expectClaim('designer.lin', D);

  step(n++, 'They download the inputs through 15-minute presigned URLs, each checked against its SHA-256');
  await download('designer.priya', A, false);
  await download('designer.marco', B, true);
  await download('designer.marco', C, true);
  await download('designer.lin', D, true);

  step(n++, 'Hand-in: a design mesh (STL, OBJ or PLY) and a PDF report each; QA checks them as ingest does');
  for (const [designer, orderId, name, kind] of [
    ['designer.priya', A, 'bridge-34-36.stl', 'stl-binary'],
    ['designer.marco', B, 'crown-46.obj', 'obj'],
    ['designer.lin', D, 'night-guard-upper.ply', 'ply-binary'],
  ] as const) {
    const res = await handIn(designer, orderId, name, kind);
    say(
      `   ${designer.padEnd(15)} ${short(orderId)}: ${name} + report.pdf, version ${res.version} -> ${res.status}`,
    );
  }
  for (const o of orders.filter((x) => x.orderId !== C)) {
    const v = await waitFor(demo, o.lab, o.orderId, ['DELIVERED']);
    say(`   -> ${short(o.orderId)} ${v.status} (version ${v.deliveredVersion}); ${o.lab} is notified`);
  }

  step(n++, 'The labs download the designs and decide');
  for (const o of orders.filter((x) => x.orderId !== C)) {
    const got = await as(demo, o.lab, () =>
      cli.downloadDeliverables(o.orderId, join(dir, o.lab, o.orderId), { quiet: true }),
    );
    say(
      `   ${o.lab.padEnd(11)} ${short(o.orderId)}: version ${got.version}, ${got.paths.length} files downloaded`,
    );
  }
  await as(demo, 'lab.acme', () => cli.acceptDelivery(A));
  say(`   lab.acme    ${short(A)}: accepts -> ${(await waitFor(demo, 'lab.acme', A, ['ARCHIVED'])).status}`);
  const revision = await as(demo, 'lab.bright', () =>
    cli.requestRevision(B, 'contacts', 'Mesial contact too light; close it slightly.'),
  );
  say(`   lab.bright  ${short(B)}: asks for revision ${revision.revision} (contacts) -> ${revision.status}`);
  say(`   lab.coast   ${short(D)}: says nothing`);

  step(n++, 'The revision is offered first to the designer who made it');
  await waitFor(demo, 'lab.bright', B, ['QUEUED']);
  await sleep(400);
  const priyaTry = await as(demo, 'designer.priya', () => cli.claimNext());
  say(
    `   designer.priya  (designs crowns too) asks for work -> ${priyaTry ? `got ${priyaTry.orderId}` : 'nothing to claim: the revision waits for marco (4 h)'}`,
  );
  if (priyaTry)
    throw new Error(`priya was handed ${priyaTry.orderId} while the revision was offered to marco`);
  const again = await expectClaim('designer.marco', B);
  say(`   the lab's comment reaches him with the order: "${again.notes?.split('\n').pop()}"`);
  const v2 = await handIn('designer.marco', B, 'crown-46-v2.obj', 'obj');
  say(`   designer.marco  ${short(B)}: crown-46-v2.obj + report.pdf, version ${v2.version} -> ${v2.status}`);
  await waitFor(demo, 'lab.bright', B, ['DELIVERED']);
  const delivered2 = await as(demo, 'lab.bright', () =>
    cli.downloadDeliverables(B, join(dir, 'lab.bright', `${B}-v2`), { quiet: true }),
  );
  say(
    `   lab.bright  ${short(B)}: version ${delivered2.version} (versions ${delivered2.versions.join(', ')})`,
  );
  await as(demo, 'lab.bright', () => cli.acceptDelivery(B));
  say(
    `   lab.bright  ${short(B)}: accepts -> ${(await waitFor(demo, 'lab.bright', B, ['ARCHIVED'])).status}`,
  );

  step(n++, 'Marco goes quiet on the other crown: no heartbeat for 2 hours (operator moves the clock)');
  await advance({ minutes: 121 }, 'leaseSweep');
  say(`   -> ${short(C)} is ${(await view(demo, 'lab.acme', C)).status} again`);
  const lost = await as(demo, 'designer.marco', () =>
    cli.call('GET', `/assignments/${C}/inputs`).then(
      () => 'still allowed',
      (error: unknown) => (error as Error).message,
    ),
  );
  say(`   designer.marco  asks for its inputs -> ${lost}`);
  await expectClaim('designer.priya', C);
  await download('designer.priya', C, true);
  const c1 = await handIn('designer.priya', C, 'crown-11.stl', 'stl-binary');
  say(`   designer.priya  ${short(C)}: crown-11.stl + report.pdf, version ${c1.version} -> ${c1.status}`);
  await waitFor(demo, 'lab.acme', C, ['DELIVERED']);
  await as(demo, 'lab.acme', () => cli.acceptDelivery(C));
  say(`   lab.acme    ${short(C)}: accepts -> ${(await waitFor(demo, 'lab.acme', C, ['ARCHIVED'])).status}`);

  step(n++, 'Coast Prosthetics never decides on the night guard: 8 days later it is accepted automatically');
  await advance({ days: 8 }, 'autoAcceptSweep');
  say(`   -> ${short(D)} ${(await waitFor(demo, 'lab.coast', D, ['ARCHIVED'])).status}`);

  return { orders, next: n };
};
