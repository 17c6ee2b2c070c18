/**
 * The demo's incident part: hour zero of a breach. A designer downloads two labs' scans, then her
 * token is used to probe other labs' orders and to bulk-download inputs (claim, download, release,
 * again and again: a released order is not offered back to her, so each claim hands over the next
 * one); the breach detector opens one incident with both signals within the 5 minutes the clock
 * moves, and her own report joins it; the privacy officer is paged at once, reads the scope the audit trail gave,
 * confirms, suspends the designer in one step, sends each lab its pre-filled notice; Acme reads
 * its patients' references and acknowledges, and the incident closes. A second incident (a lab's
 * lost laptop) is left alone: the clock moves an hour at a time and its preliminary notice goes
 * out by itself before the 24-hour window closes. Each incident's timeline is printed with the
 * hours each step took against the window.
 */
import { BULK_CAPACITY_FACTOR, BULK_WINDOW_MS } from '../lambdas/domain/detection/thresholds';
import { queuedOrder } from '../test/support/lifecycle';
import { as, call, type Demo, say, sleep, step } from './demo-support';

interface Detail {
  status: string;
  kinds: string[];
  signals: { kind: string }[];
  discoveredAt: string;
  awaiting?: string;
  scope?: {
    accounts: { accountId: string; orderIds: string[]; fileCount: number; categories: string[] }[];
    signals?: number;
  };
  timeline: { at: string; type: string; detail?: Record<string, string | number> }[];
  notices: { accountId: string; noticeId: string; msLeft: number; dueAt: string; nature: string }[];
}

const HOUR = 3_600_000;

const incident = (demo: Demo, id: string) => call<Detail>(demo, 'officer.olivia', 'GET', `/incidents/${id}`);

const waitUntil = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(50);
  }
};

const outbox = async (demo: Demo) =>
  (await call<{ message: string; at: string; topic: string }[]>(demo, undefined, 'GET', '/local/outbox')).map(
    (m) => ({ ...m, body: JSON.parse(m.message) as Record<string, string> }),
  );

/** The incident's id from the CLI's "Opened incident inc_…" line. */
const reported = async (demo: Demo, username: string, args: string[]) => {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    lines.push(String(chunk));
    return write(chunk);
  }) as typeof process.stdout.write;
  try {
    await as(demo, username, () => demo.cli.run(['incidents', 'report', ...args]));
  } finally {
    process.stdout.write = write;
  }
  const id = /inc_[0-9a-f]{28}/.exec(lines.join(''))?.[0];
  if (!id) throw new Error('the report opened no incident');
  return id;
};

const printTimeline = (title: string, d: Detail) => {
  say(`   ${title} (discovered ${d.discoveredAt}; each account's notice due 24 h later)`);
  const start = Date.parse(d.discoveredAt);
  for (const e of [...d.timeline].sort((a, b) => a.at.localeCompare(b.at))) {
    const hours = (Date.parse(e.at) - start) / HOUR;
    const facts = e.detail
      ? ` ${Object.entries(e.detail)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`
      : '';
    say(`     +${hours.toFixed(2).padStart(6)} h of 24  ${e.type}${facts}`);
  }
};

export const runIncidents = async (demo: Demo, first: number): Promise<number> => {
  let n = first;
  const cli = (username: string, ...args: string[]) => as(demo, username, () => demo.cli.run(args));
  say('\n== Part 6: a breach, from hour zero to the labs’ acknowledgement ==');
  // The breach detector has read every audit event of parts 1 to 5 (it runs on each clock advance).
  const quiet = await call<{ incidents: unknown[] }>(demo, 'officer.olivia', 'GET', '/incidents');
  if (quiet.incidents.length > 0) throw new Error(`normal work raised ${quiet.incidents.length} incident(s)`);
  say('   parts 1 to 5 raised no incident: the detector read all their audit events and found nothing');

  step(n++, 'designer.lin takes an Acme and a Coast Prosthetics case and downloads their scans');
  const model = { items: [{ type: 'model', arch: 'upper', material: 'print-resin' }] };
  const acme = await queuedOrder(demo.api, 'lab.acme', { ...model, patientRef: 'PT-40117' });
  const coast = await queuedOrder(demo.api, 'lab.coast', { ...model, patientRef: 'PT-52208' });
  const held: string[] = [];
  for (const _ of [acme, coast]) {
    const claimed = await waitUntil('a claim', async () => {
      const res = await demo.api.call<{ orderId: string }>('POST', '/queue/claim', { as: 'designer.lin' });
      return res.status === 200 ? res.body.orderId : undefined;
    });
    held.push(claimed);
    await call(demo, 'designer.lin', 'GET', `/assignments/${claimed}/inputs`);
  }
  say(`   held and downloaded: ${held.join(', ')}`);

  step(
    n++,
    'Then her token is used to probe other labs’ orders: six refused asks, real orders and guessed ids',
  );
  const others = [
    (await queuedOrder(demo.api, 'lab.acme', { ...model, patientRef: 'PT-61180' })).orderId,
    (await queuedOrder(demo.api, 'lab.coast', { ...model, patientRef: 'PT-61181' })).orderId,
  ];
  const targets = [...others, ...others, 'ord_guess00000001', 'ord_guess00000002'];
  for (const orderId of targets)
    await call(demo, 'designer.lin', 'GET', `/assignments/${orderId}/inputs`, undefined, [404]);

  // Lin's capacity (the registry) times BULK_CAPACITY_FACTOR: the inputs of more distinct orders
  // than that within BULK_WINDOW_MS, none handed in, is bulk access.
  const designers = await call<{ designers: { designerId: string; capacity: number }[] }>(
    demo,
    'operator.omar',
    'GET',
    '/designers',
  );
  const capacity = designers.designers.find((d) => d.designerId === 'u-des-lin')?.capacity ?? 0;
  const limit = BULK_CAPACITY_FACTOR * capacity;
  const extra = limit + 1 - held.length - others.length;
  step(
    n++,
    `And to bulk-download: the two cases given back, then claim, download, release, again and again (capacity ${capacity}, so more than ${limit} orders' inputs in ${BULK_WINDOW_MS / 60_000} minutes is too many)`,
  );
  for (const orderId of held) await call(demo, 'designer.lin', 'POST', `/assignments/${orderId}/release`);
  const more: string[] = [];
  for (let i = 0; i < extra; i++)
    more.push((await queuedOrder(demo.api, 'lab.acme', { ...model, patientRef: `PT-6119${i}` })).orderId);
  const harvested: string[] = [];
  for (let i = 0; i < others.length + more.length; i++) {
    const claimed = await waitUntil('a claim', async () => {
      const res = await demo.api.call<{ orderId: string }>('POST', '/queue/claim', { as: 'designer.lin' });
      return res.status === 200 ? res.body.orderId : undefined;
    });
    await call(demo, 'designer.lin', 'GET', `/assignments/${claimed}/inputs`);
    await call(demo, 'designer.lin', 'POST', `/assignments/${claimed}/release`);
    harvested.push(claimed);
  }
  // Each claim handed over a new order: the ones she released are not offered back to her.
  if (
    harvested.some((o) => !others.includes(o) && !more.includes(o)) ||
    new Set(harvested).size < harvested.length
  )
    throw new Error(`the claims handed over ${harvested.join(', ')}`);
  say(
    `   claimed, downloaded and released: ${harvested.join(', ')}; with the first two, ${held.length + harvested.length} orders' inputs within minutes`,
  );
  const before = await call<{ incidents: { incidentId: string }[] }>(
    demo,
    'officer.olivia',
    'GET',
    '/incidents',
  );
  const known = new Set(before.incidents.map((i) => i.incidentId));
  const started = Date.now();
  const moved = await call<{ jobs: { job: string; result?: { signals?: Record<string, number> } }[] }>(
    demo,
    'operator.omar',
    'POST',
    '/local/clock/advance',
    { minutes: 5 },
  );
  const signals = moved.jobs.find((j) => j.job === 'detectBreaches')?.result?.signals ?? {};
  say(
    `   the breach detector's run raised: ${Object.entries(signals)
      .map(([rule, count]) => `${rule} x${count}`)
      .join(', ')}`,
  );
  const detected = await waitUntil('the incident', async () => {
    const list = await call<{ incidents: { incidentId: string; kinds: string[] }[] }>(
      demo,
      'officer.olivia',
      'GET',
      '/incidents',
    );
    return list.incidents.find((i) => !known.has(i.incidentId) && i.kinds.includes('probing'));
  });
  const first1 = detected.incidentId;
  const page = await waitUntil('the page', async () =>
    (await outbox(demo)).find((m) => m.body.kind === 'incident.page' && m.body.incidentId === first1),
  );
  say(
    `   the breach detector (every minute; here, the clock moved 5 minutes) opened ${first1}; the privacy officer was paged ${Date.now() - started} ms of wall time later: ${page.message}`,
  );
  // Signals about the same actor join one incident (JOIN_WINDOW_MS).
  const both = await waitUntil('both signals on the incident', async () => {
    const d = await incident(demo, first1);
    return d.kinds.includes('bulk-access') ? d : undefined;
  });
  say(`   ${first1} now holds ${both.signals.length} signal(s): ${both.kinds.join(' + ')}`);

  step(n++, 'She reports the two downloads herself (caseline incidents report): it joins the same incident');
  const joined = await reported(demo, 'designer.lin', [
    '--category',
    'wrong-case-downloaded',
    '--description',
    'Downloaded the scans of two cases that were not assigned to my skills; deleted them.',
    ...held.flatMap((o) => ['--order', o]),
  ]);
  if (joined !== first1) throw new Error(`the report opened ${joined}, not joined ${first1}`);

  step(n++, 'The officer reads the scope the audit trail gave (patient references are not in it)');
  // Each signal that joined re-scopes the incident (its own short execution): wait for the scope
  // that covers all three (probing, bulk access, her report).
  const scoped = await waitUntil('the scope', async () => {
    const d = await incident(demo, first1);
    return d.awaiting === 'TRIAGE' && d.signals.length >= 3 && d.scope?.signals === d.signals.length
      ? d
      : undefined;
  });
  for (const a of scoped.scope?.accounts ?? [])
    say(
      `   ${a.accountId}: ${a.orderIds.length} order(s), ${a.fileCount} file(s), ${a.categories.join(', ')}`,
    );
  for (const notice of scoped.notices)
    say(`   ${notice.accountId}: notice due ${notice.dueAt}, ${(notice.msLeft / HOUR).toFixed(1)} h left`);
  // The drafts describe every kind that joined, not only the first signal's.
  for (const notice of scoped.notices)
    if (!notice.nature.includes("other labs' orders") || !notice.nature.includes('far more case files'))
      throw new Error(`${notice.accountId}'s draft names only part of what happened: ${notice.nature}`);
  say(`   the drafts' nature: ${scoped.notices[0]?.nature.split(' involving')[0] ?? ''} ...`);
  const again = (await outbox(demo)).filter(
    (m) => m.body.kind === 'incident.page' && m.body.incidentId === first1 && m.body.newKind,
  );
  for (const m of again)
    say(`   officers paged again for a new kind: ${m.body.newKind} (${m.body.signalId})`);

  step(n++, 'Confirmed a breach; the designer suspended in one step; each lab sent its notice');
  await cli('officer.olivia', 'incidents', 'triage', first1, 'confirmed');
  await cli('officer.olivia', 'incidents', 'contain', first1, 'u-des-lin');
  for (const notice of scoped.notices) {
    await cli(
      'officer.olivia',
      'incidents',
      'notice',
      first1,
      notice.accountId,
      '--measures-taken',
      'The designer was suspended, signed out everywhere and the cases returned to the queue.',
      '--send',
    );
  }
  say('   (each notice printed above: every GDPR Art 33(3) / HIPAA 164.410(c) field, order ids, no patient)');

  step(
    n++,
    'Acme opens its notice (its own patients’ references, audited first) and acknowledges; so does Coast',
  );
  const acmeNotice = scoped.notices.find((x) => x.accountId === 'lab-acme');
  const coastNotice = scoped.notices.find((x) => x.accountId === 'lab-coast');
  if (!acmeNotice || !coastNotice) throw new Error('a lab has no notice');
  const view = await call<{ patients: { orderId: string; patientReference?: string }[] }>(
    demo,
    'admin.acme',
    'GET',
    `/notices/${acmeNotice.noticeId}`,
  );
  for (const p of view.patients) say(`   ${p.orderId}: patient ${p.patientReference}`);
  await cli('admin.acme', 'notices', 'acknowledge', acmeNotice.noticeId);
  await cli('admin.coast', 'notices', 'acknowledge', coastNotice.noticeId);
  await waitUntil('the close wait', async () =>
    (await incident(demo, first1)).awaiting === 'CLOSE' ? true : undefined,
  );
  await cli(
    'officer.olivia',
    'incidents',
    'close',
    first1,
    '--summary',
    'Designer suspended; both labs notified and acknowledged.',
  );

  step(
    n++,
    'A second incident nobody attends to: Echo Dental Studio reports a lost laptop, the clock runs on an hour at a time',
  );
  const second = await reported(demo, 'lab.echo', [
    '--category',
    'device-lost-or-stolen',
    '--description',
    'A lab laptop with access to Caseline was left on a train.',
  ]);
  await waitUntil('the scope', async () =>
    (await incident(demo, second)).awaiting === 'TRIAGE' ? true : undefined,
  );
  for (let hour = 1; hour <= 23; hour++)
    await call(demo, 'operator.omar', 'POST', '/local/clock/advance', { hours: 1 });
  const sent = (await outbox(demo)).filter((m) => m.body.incidentId === second);
  for (const m of sent.filter((x) => x.body.kind !== 'incident.page'))
    say(
      `   ${m.at}  ${m.topic}: ${m.body.kind ?? m.body.subject} ${m.body.percent ? `${m.body.percent}%` : ''}`,
    );

  step(n++, 'Both timelines, hours against the 24-hour window');
  printTimeline(first1, await incident(demo, first1));
  printTimeline(second, await incident(demo, second));
  return n;
};
