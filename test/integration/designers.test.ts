/**
 * The designer registry on the local stack: the four operator routes over HTTP, and the
 * DynamoDB adapter's slot counter over the wire under concurrency, as the work queue uses it.
 * Each test registers its own designers under unique ids: the stack is shared by every suite.
 */
import {
  CreateTableCommand,
  DeleteTableCommand,
  type DynamoDBClient,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { localTableName } from '../../common/definitions';
import { DynamoDesignerRegistry } from '../../lambdas/adapters/dynamo-designer-registry';
import type { Designer } from '../../lambdas/domain/designers';
import { seedDesigners } from '../../local/seed-designers';
import { Api } from '../support/api';
import { localDocumentClient } from '../support/local-clients';

const api = new Api(inject('apiUrl'));
const ddb = localDocumentClient(inject('endpoints').dynamodb);
const registry = new DynamoDesignerRegistry(ddb, localTableName('designers'));

let counter = 0;
const uniqueId = () => `it-des-${Date.now().toString(36)}-${++counter}`;

const makeDesignerRequest = (overrides: Record<string, unknown> = {}) => {
  const designerId = uniqueId();
  return {
    designerId,
    username: `designer.${designerId}`,
    displayName: 'Test Designer',
    skills: ['crown', 'bridge'],
    capacity: 3,
    country: 'IN',
    ...overrides,
  };
};

type ErrorBody = { code: string; message: string; fields?: { field: string; message: string }[] };

const register = async (overrides: Record<string, unknown> = {}) => {
  const res = await api.call<Designer>('POST', '/designers', {
    as: 'operator.omar',
    body: makeDesignerRequest(overrides),
  });
  expect(res.status).toBe(201);
  return res.body;
};

const operatorAudit = async () => {
  const { Items } = await ddb.send(
    new QueryCommand({
      TableName: localTableName('audit'),
      IndexName: 'byActor',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': 'ACTOR#u-op-omar' },
    }),
  );
  return Items ?? [];
};

describe('designer registry routes', () => {
  it('registers a designer and lists it, both audited', async () => {
    // Prepare
    const request = makeDesignerRequest({ skills: ['Implant Crown', 'crown'], country: 'PH' });
    const auditedBefore = (await operatorAudit()).length;
    // Act
    const created = await api.call<Designer>('POST', '/designers', { as: 'operator.omar', body: request });
    const listed = await api.call<{ designers: Designer[] }>('GET', '/designers', { as: 'operator.omar' });
    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      designerId: request.designerId,
      skills: ['crown', 'implant-crown-bridge'],
      capacity: 3,
      activeJobs: 0,
      country: 'PH',
      enabled: true,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.designers).toContainEqual(created.body);
    const usernames = listed.body.designers.map((d) => d.username);
    expect(usernames).toEqual([...usernames].sort((a, b) => a.localeCompare(b)));
    const audited = (await operatorAudit()).slice(auditedBefore);
    expect(audited.map((e) => [e.action, e.outcome])).toEqual(
      expect.arrayContaining([
        ['designer.change', 'ALLOWED'],
        ['designer.list', 'ALLOWED'],
      ]),
    );
  });

  it('answers 409 for an id already registered and keeps the first entry', async () => {
    const first = await register();
    const again = await api.call<ErrorBody>('POST', '/designers', {
      as: 'operator.omar',
      body: makeDesignerRequest({ designerId: first.designerId, displayName: 'Someone Else' }),
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('DESIGNER_EXISTS');
    expect((await registry.get(first.designerId))?.displayName).toBe('Test Designer');
  });

  it('updates only the fields sent', async () => {
    const created = await register();
    const res = await api.call<Designer>('PATCH', `/designers/${created.designerId}`, {
      as: 'operator.omar',
      body: { capacity: 5, skills: ['veneer'] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      designerId: created.designerId,
      displayName: 'Test Designer',
      capacity: 5,
      skills: ['veneer'],
      country: 'IN',
      createdAt: created.createdAt,
    });
    expect(await registry.get(created.designerId)).toEqual(res.body);
  });

  it('deactivates without deleting, and a deactivated designer gets no slot', async () => {
    const created = await register();
    const res = await api.call<Designer>('DELETE', `/designers/${created.designerId}`, {
      as: 'operator.omar',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ designerId: created.designerId, enabled: false, country: 'IN' });
    const listed = await api.call<{ designers: Designer[] }>('GET', '/designers', { as: 'operator.omar' });
    expect(listed.body.designers.find((d) => d.designerId === created.designerId)?.enabled).toBe(false);
    expect(await registry.acquireSlot(created.designerId)).toBe(false);
    const repeated = await api.call<Designer>('DELETE', `/designers/${created.designerId}`, {
      as: 'operator.omar',
    });
    expect(repeated).toEqual({ status: 200, body: res.body });
  });

  it.each(['lab.acme', 'designer.priya'])('refuses %s on every route with a 403', async (as) => {
    const created = await register();
    const calls = [
      api.call<ErrorBody>('GET', '/designers', { as }),
      api.call<ErrorBody>('POST', '/designers', { as, body: makeDesignerRequest() }),
      api.call<ErrorBody>('PATCH', `/designers/${created.designerId}`, { as, body: { capacity: 20 } }),
      api.call<ErrorBody>('DELETE', `/designers/${created.designerId}`, { as }),
    ];
    for (const res of await Promise.all(calls)) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    expect(await registry.get(created.designerId)).toEqual(created);
  });

  it('answers a bad create with a 400 naming each field', async () => {
    const res = await api.call<ErrorBody>('POST', '/designers', {
      as: 'operator.omar',
      body: makeDesignerRequest({ capacity: 0, country: 'india', skills: ['crown', 'wing'], activeJobs: 2 }),
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.fields?.map((f) => f.field)).toEqual(['activeJobs', 'skills[1]', 'capacity', 'country']);
  });

  it('answers a bad update with a 400 naming each field, and changes nothing', async () => {
    const created = await register();
    const res = await api.call<ErrorBody>('PATCH', `/designers/${created.designerId}`, {
      as: 'operator.omar',
      body: { displayName: 'mail me at x@example.com', username: 'designer.other' },
    });
    expect(res.status).toBe(400);
    expect(res.body.fields?.map((f) => f.field)).toEqual(['username', 'displayName']);
    expect(JSON.stringify(res.body)).not.toContain('x@example.com');
    expect(await registry.get(created.designerId)).toEqual(created);
  });

  it('answers malformed JSON with a 400', async () => {
    const res = await api.call<ErrorBody>('POST', '/designers', {
      as: 'operator.omar',
      rawBody: '{"designerId":',
    });
    expect(res.status).toBe(400);
    expect(res.body.fields?.map((f) => f.field)).toEqual(['body']);
  });

  it('answers 404 for a designer not in the registry', async () => {
    const missing = uniqueId();
    const patch = await api.call<ErrorBody>('PATCH', `/designers/${missing}`, {
      as: 'operator.omar',
      body: { capacity: 2 },
    });
    const del = await api.call<ErrorBody>('DELETE', `/designers/${missing}`, { as: 'operator.omar' });
    expect([patch.status, del.status]).toEqual([404, 404]);
    expect(patch.body.code).toBe('NOT_FOUND');
    expect(await registry.get(missing)).toBeUndefined();
  });
});

describe('DynamoDesignerRegistry slots, over the wire', () => {
  it('grants exactly capacity slots to 20 concurrent claims', async () => {
    // Prepare
    const created = await register({ capacity: 3 });
    // Act
    const grants = await Promise.all(
      Array.from({ length: 20 }, () => registry.acquireSlot(created.designerId)),
    );
    // Assess
    expect(grants.filter(Boolean)).toHaveLength(3);
    expect((await registry.get(created.designerId))?.activeJobs).toBe(3);
  });

  it('never releases below zero, even under concurrent releases', async () => {
    const created = await register({ capacity: 2 });
    await registry.acquireSlot(created.designerId);
    await registry.acquireSlot(created.designerId);
    await Promise.all(Array.from({ length: 10 }, () => registry.releaseSlot(created.designerId)));
    expect((await registry.get(created.designerId))?.activeJobs).toBe(0);
    expect(await registry.acquireSlot(created.designerId)).toBe(true);
    expect((await registry.get(created.designerId))?.activeJobs).toBe(1);
  });

  it('keeps the jobs in hand when capacity is lowered, and grants again once below it', async () => {
    const created = await register({ capacity: 3 });
    for (let i = 0; i < 3; i++) expect(await registry.acquireSlot(created.designerId)).toBe(true);
    const lowered = await api.call<Designer>('PATCH', `/designers/${created.designerId}`, {
      as: 'operator.omar',
      body: { capacity: 1 },
    });
    expect(lowered.body).toMatchObject({ capacity: 1, activeJobs: 3 });
    await registry.releaseSlot(created.designerId);
    expect(await registry.acquireSlot(created.designerId)).toBe(false);
    await registry.releaseSlot(created.designerId);
    await registry.releaseSlot(created.designerId);
    expect(await registry.acquireSlot(created.designerId)).toBe(true);
  });

  it('grants nothing for an unknown designer and creates no item', async () => {
    const missing = uniqueId();
    expect(await registry.acquireSlot(missing)).toBe(false);
    await registry.releaseSlot(missing);
    expect(await registry.get(missing)).toBeUndefined();
  });

  it('lists a designer whose index entry was written but whose item was not', async () => {
    // The index is written first on create; an id there with no item must not break list().
    const created = await register();
    await ddb.send(
      new UpdateCommand({
        TableName: localTableName('designers'),
        Key: { designerId: '#index' },
        UpdateExpression: 'ADD ids :id',
        ExpressionAttributeValues: { ':id': new Set([uniqueId()]) },
      }),
    );
    const listed = await registry.list();
    expect(listed.map((d) => d.designerId)).toContain(created.designerId);
    expect(listed.every((d) => typeof d.username === 'string' && d.username !== 'undefined')).toBe(true);
  });
});

describe('seedDesigners', () => {
  it('registers the seeded designer users once, and leaves later changes alone', async () => {
    // A table of its own: the shared designers table belongs to the stack's own seeding.
    const table = `it-seed-designers-${Date.now().toString(36)}`;
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'designerId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'designerId', KeyType: 'HASH' }],
      }),
    );
    // A new table is CREATING until dynalite's next tick, as on AWS: wait for ACTIVE.
    await waitUntilTableExists(
      { client: ddb as unknown as DynamoDBClient, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
      { TableName: table },
    );
    try {
      const seeded = new DynamoDesignerRegistry(ddb, table);
      await seedDesigners(ddb, table, '2026-01-05T09:00:00.000Z');
      await seeded.update('u-des-marco', { capacity: 4 }, '2026-01-06T09:00:00.000Z');
      await seeded.acquireSlot('u-des-priya');

      await seedDesigners(ddb, table, '2026-01-07T09:00:00.000Z');

      const listed = await seeded.list();
      expect(
        listed.map((d) => [d.username, d.designerId, d.capacity, d.activeJobs, d.country, d.enabled]),
      ).toEqual([
        ['designer.lin', 'u-des-lin', 2, 0, 'VN', true],
        ['designer.marco', 'u-des-marco', 4, 0, 'PH', true],
        ['designer.priya', 'u-des-priya', 3, 1, 'IN', true],
      ]);
      expect(listed.find((d) => d.username === 'designer.priya')?.skills).toEqual([
        'crown',
        'bridge',
        'inlay-onlay',
        'implant-abutment',
        'implant-crown-bridge',
      ]);
      expect(listed.every((d) => d.createdAt === '2026-01-05T09:00:00.000Z')).toBe(true);
    } finally {
      await ddb.send(new DeleteTableCommand({ TableName: table }));
    }
  });
});
