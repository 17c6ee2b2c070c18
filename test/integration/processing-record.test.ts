/**
 * The record of processing over the wire, on a local stack of this file's own (the queue is
 * shared by whoever submits to it, so a claim here must take this file's order): a designer's
 * country appears in the account's transfers once the designer has claimed the account's order,
 * the record carries no PHI, and only the account's lab-admin or a staff auditor reads it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTableName } from '../../common/definitions';
import { SUB_PROCESSORS } from '../../common/sub-processors';
import { DynamoDesignerRegistry } from '../../lambdas/adapters/dynamo-designer-registry';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { Api } from '../support/api';
import { claim, queuedOrder } from '../support/lifecycle';
import { localDocumentClient } from '../support/local-clients';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);
const home = mkdtempSync(join(tmpdir(), 'caseline-record-'));
let stack: LocalStack;
let api: Api;

const PATIENT_CANARY = 'PT-77319';
const NOTE_CANARY = 'Canary shade note 7731, open contacts.';
const PATH = '/accounts/lab-coast/processing-record';

interface Record {
  transfers: { countries: { country: string; designers: number }[] };
  subProcessors: { id: string; region: string; countries?: string[] }[];
  retention: { archivedOrderDays: number };
  deletionCertificates: unknown[];
  incidents: { recorded: unknown[]; note: string };
}

const countries = (body: Record) => body.transfers.countries.map((c) => c.country);

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    retryIntervalOverrides: { Ingest: 0, QaDesign: 0, MarkStuck: 0 },
  });
  api = new Api(stack.apiUrl);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('GET /accounts/{accountId}/processing-record', () => {
  it("shows a designer's country once the designer claimed the account's order, and no PHI", async () => {
    const before = await api.call<Record>('GET', PATH, { as: 'admin.coast' });
    expect(before.status).toBe(200);
    expect(countries(before.body)).toEqual([]);

    const { orderId } = await queuedOrder(api, 'lab.coast', {
      patientRef: PATIENT_CANARY,
      notes: NOTE_CANARY,
    });
    const held = await claim(api, 'designer.priya');
    expect(held.orderId).toBe(orderId);

    const after = await api.call<Record>('GET', PATH, { as: 'admin.coast' });
    expect(after.status).toBe(200);
    expect(after.body.transfers.countries).toEqual([
      expect.objectContaining({ country: 'IN', designers: 1 }),
    ]);
    expect(after.body.subProcessors.find((s) => s.id === 'design-network')?.countries).toEqual(['IN']);
    // The AWS services run in the stack's region, named.
    const stackRegion = after.body.subProcessors.filter((s) => s.id.startsWith('aws-')).map((s) => s.region);
    expect(stackRegion).toHaveLength(SUB_PROCESSORS.filter((s) => s.region === 'STACK').length);
    expect(new Set(stackRegion).size).toBe(1);
    expect(stackRegion[0]).toMatch(/^[a-z]{2}-[a-z]+-\d$/);
    expect(after.body.retention.archivedOrderDays).toBeGreaterThan(0);
    expect(after.body.incidents).toMatchObject({ recorded: [] });

    const text = JSON.stringify(after.body);
    expect(text).not.toContain(PATIENT_CANARY);
    expect(text).not.toContain(NOTE_CANARY);
    expect(text).not.toContain(orderId);
    expect(text).not.toContain('priya');

    // A range that ends before the claim has no transfer in it.
    const early = await api.call<Record>(
      'GET',
      `${PATH}?from=2000-01-01T00:00:00.000Z&to=2000-12-31T00:00:00.000Z`,
      {
        as: 'admin.coast',
      },
    );
    expect(early.status).toBe(200);
    expect(countries(early.body)).toEqual([]);
  });

  it('admits the staff auditor for any account; refuses a lab user (403), another account’s admin (404) and operators', async () => {
    expect((await api.call('GET', PATH, { as: 'auditor.ann' })).status).toBe(200);
    expect((await api.call('GET', PATH, { as: 'lab.coast' })).status).toBe(403);
    expect((await api.call('GET', PATH, { as: 'admin.bright' })).status).toBe(404);
    expect((await api.call('GET', PATH, { as: 'operator.omar' })).status).toBe(403);
    expect((await api.call('GET', PATH, { as: 'designer.priya' })).status).toBe(403);
  });

  it('is printed by `caseline accounts processing-record ID` for the account’s lab-admin', async () => {
    const token = await api.token('admin.coast');
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, 'cli', 'caseline.mjs'),
        'accounts',
        'processing-record',
        'lab-coast',
        '--to',
        '2999-01-01T00:00:00.000Z',
        '--from',
        '2998-06-01T00:00:00.000Z',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, CASELINE_API: stack.apiUrl, CASELINE_HOME: home, CASELINE_TOKEN: token },
      },
    );
    const record = JSON.parse(stdout) as Record & { range: { from: string; to: string } };
    expect(record.range).toEqual({ from: '2998-06-01T00:00:00.000Z', to: '2999-01-01T00:00:00.000Z' });
    expect(record.subProcessors.map((s) => s.id)).toEqual(SUB_PROCESSORS.map((s) => s.id));
  });

  it('reads a designer stored before countries were required as ZZ (unknown), until an operator sets it', async () => {
    const ddb = localDocumentClient(stack.endpoints.dynamodb);
    const table = localTableName('designers');
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: {
          designerId: 'legacy-designer',
          username: 'designer.legacy',
          displayName: 'Legacy',
          skills: ['crown'],
          capacity: 1,
          activeJobs: 0,
          enabled: true,
          createdAt: '2025-01-01T00:00:00.000Z',
          updatedAt: '2025-01-01T00:00:00.000Z',
        },
      }),
    );
    const registry = new DynamoDesignerRegistry(ddb, table);
    expect((await registry.get('legacy-designer'))?.country).toBe('ZZ');
    await registry.update('legacy-designer', { country: 'PH' }, '2026-01-01T00:00:00.000Z');
    expect((await registry.get('legacy-designer'))?.country).toBe('PH');
  });

  it('names a bad range field', async () => {
    const res = await api.call('GET', `${PATH}?from=2020-01-01T00:00:00.000Z&to=2026-01-01T00:00:00.000Z`, {
      as: 'admin.coast',
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(res.body)).toContain('from');
  });
});
