/**
 * The demo's audit part: Acme's lab-admin takes away the account's audit trail and checks it
 * without trusting Caseline. The trail is sealed (the hourly run, started here by hand), the
 * lab-admin asks for its audit export with the CLI (`caseline audit export`), which downloads,
 * unpacks and verifies it against the audit public key. Then two copies are tampered with, and
 * each is refused with its reason: one event edited in DynamoDB before an export (what an
 * operator with table access could do), and one line of events.jsonl edited after download.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { localTableName } from '../common/definitions';
import { localDocumentClient } from '../test/support/local-clients';
import { as, call, type Demo, say, step } from './demo-support';

const ACCOUNT = 'lab-acme';
const ADMIN = 'admin.acme';

export const runAudit = async (demo: Demo, first: number): Promise<number> => {
  let n = first;
  const cli = (username: string | undefined, ...args: string[]) =>
    username ? as(demo, username, () => demo.cli.run(args)) : demo.cli.run(args);
  say('\n== Part 4: an audit of Acme’s account, checked offline ==');

  step(n++, 'The hourly sealing run signs the trail so far; Acme’s admin fetches the audit public key');
  const { now } = await call<{ now: string }>(demo, undefined, 'GET', '/local/clock');
  const from = new Date(Date.parse(now) - 30 * 86_400_000).toISOString();
  await call(demo, 'operator.omar', 'POST', '/local/jobs/sealAudit');
  const keyFile = join(demo.dir, 'audit-key.json');
  writeFileSync(keyFile, JSON.stringify(await call(demo, undefined, 'GET', '/audit/public-key')));

  step(n++, `Acme’s admin exports the account’s audit trail, ${from.slice(0, 10)} to now, and verifies it`);
  const good = join(demo.dir, 'acme-audit');
  await cli(
    ADMIN,
    'audit',
    'export',
    '--account',
    ACCOUNT,
    '--from',
    from,
    '--to',
    now,
    '--out',
    good,
    '--key',
    keyFile,
  );
  const lines = readFileSync(join(good, 'events.jsonl'), 'utf8').trim().split('\n');
  const designerLine = lines.find((l) => l.includes('"actorRole":"designer"'));
  if (designerLine) {
    const e = JSON.parse(designerLine) as { action: string; actor: string };
    say(`   designers appear by pseudonym only, e.g. ${e.action} by ${e.actor}`);
  }

  step(n++, 'A line of the downloaded events.jsonl is edited (an ALLOWED read turned into a DENIED one)');
  const path = join(good, 'events.jsonl');
  const text = readFileSync(path, 'utf8');
  writeFileSync(path, text.replace('"outcome":"ALLOWED"', '"outcome":"DENIED"'));
  await refused(() => cli(undefined, 'audit', 'verify', good, '--key', keyFile));
  writeFileSync(path, text);

  step(n++, 'An operator with table access edits a sealed event in DynamoDB; the next export is refused');
  const ddb = localDocumentClient(demo.endpoints.dynamodb);
  const firstEvent = JSON.parse(lines[0] ?? '{}') as { at: string; eventId: string };
  const table = localTableName('audit');
  const key = { pk: `ACCOUNT#${ACCOUNT}`, sk: `${firstEvent.at}#${firstEvent.eventId}` };
  const { Item: original } = await ddb.send(new GetCommand({ TableName: table, Key: key }));
  if (!original) throw new Error('the first exported event is not in the table');
  await ddb.send(new PutCommand({ TableName: table, Item: { ...original, sourceIp: '198.51.100.66' } }));
  try {
    await refused(() =>
      cli(
        ADMIN,
        'audit',
        'export',
        '--account',
        ACCOUNT,
        '--from',
        from,
        '--to',
        now,
        '--out',
        join(demo.dir, 'acme-audit-edited'),
        '--key',
        keyFile,
      ),
    );
  } finally {
    await ddb.send(new PutCommand({ TableName: table, Item: original }));
  }
  return n;
};

/** Runs a CLI command that must fail verification, and prints why. */
const refused = async (fn: () => Promise<unknown>) => {
  try {
    await fn();
  } catch (error) {
    say(`   -> refused: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  throw new Error('a tampered audit trail was accepted');
};
