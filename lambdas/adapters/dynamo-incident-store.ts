/**
 * Incidents in their own table (common/definitions.ts: incidents):
 *   INCIDENT#<id> / INCIDENT               the incident (byDiscovery: INCIDENTS / <discoveredAt>#<id>)
 *   INCIDENT#<id> / SIGNAL#<signalId>      each signal it took
 *   INCIDENT#<id> / TL#<at>#<uuid>         its timeline
 *   INCIDENT#<id> / NOTICE#<accountId>     one notice per affected account (byTimer while watched,
 *                                          byAccount: ACCOUNT#<accountId> / <noticeId>)
 *   SIGNAL#<signalId> / SIGNAL             a signal's idempotency key and where it went
 *   JOIN#<ACTOR#sub | RESOURCE#r> / JOIN   the open incident about an actor or a resource, until
 * Single-item conditional writes and queries on a key or an index only; never a Scan.
 */
import { randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type {
  Incident,
  IncidentStatus,
  IncidentStore,
  Notice,
  NoticeStatus,
  Signal,
  TimelineEntry,
} from '../domain/incidents/model';
import { ValidationError } from '../kernel/errors';
import { isConditionFailure } from './dynamo-errors';

const KEYS = new Set(['pk', 'sk', 'entity', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk']);
const strip = <T>(item: Record<string, unknown>): T =>
  Object.fromEntries(Object.entries(item).filter(([k]) => !KEYS.has(k))) as T;

const incidentKey = (incidentId: string) => ({ pk: `INCIDENT#${incidentId}`, sk: 'INCIDENT' });
const noticeKey = (incidentId: string, accountId: string) => ({
  pk: `INCIDENT#${incidentId}`,
  sk: `NOTICE#${accountId}`,
});
const timerSk = (at: string, incidentId: string, accountId: string) => `${at}#${incidentId}#${accountId}`;

const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;
const CURSOR_TEXT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#inc_[a-f0-9]{28})$/;

/** A conditional SET/REMOVE built from plain changes; `expect` null means the attribute is absent. */
const conditional = (
  fromStatuses: readonly string[],
  changes: Record<string, unknown>,
  remove: readonly string[],
  expect: Readonly<Record<string, string | null>>,
) => {
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = {};
  const sets: string[] = [];
  const removes: string[] = [];
  let n = 0;
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) continue;
    names[`#a${n}`] = k;
    values[`:a${n}`] = v;
    sets.push(`#a${n} = :a${n}`);
    n++;
  }
  for (const k of remove) {
    names[`#a${n}`] = k;
    removes.push(`#a${n}`);
    n++;
  }
  const conditions = [
    'attribute_exists(pk)',
    `#status IN (${fromStatuses.map((_, i) => `:from${i}`).join(', ')})`,
  ];
  fromStatuses.forEach((s, i) => {
    values[`:from${i}`] = s;
  });
  for (const [k, v] of Object.entries(expect)) {
    names[`#e${n}`] = k;
    if (v === null) conditions.push(`attribute_not_exists(#e${n})`);
    else {
      values[`:e${n}`] = v;
      conditions.push(`#e${n} = :e${n}`);
    }
    n++;
  }
  return {
    UpdateExpression: [
      sets.length ? `SET ${sets.join(', ')}` : '',
      removes.length ? `REMOVE ${removes.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join(' '),
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
};

export class DynamoIncidentStore implements IncidentStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async recordSignal(signal: Signal): Promise<{ seen: false } | { seen: true; incidentId?: string }> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `SIGNAL#${signal.signalId}`, sk: 'SIGNAL', entity: 'signalKey', at: signal.at },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { seen: false };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.ddb.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: `SIGNAL#${signal.signalId}`, sk: 'SIGNAL' },
          ConsistentRead: true,
        }),
      );
      return typeof Item?.incidentId === 'string'
        ? { seen: true, incidentId: Item.incidentId }
        : { seen: true };
    }
  }

  async assignSignal(signalId: string, incidentId: string): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `SIGNAL#${signalId}`, sk: 'SIGNAL' },
        UpdateExpression: 'SET incidentId = :i',
        ExpressionAttributeValues: { ':i': incidentId },
      }),
    );
  }

  async takeJoinKey(key: string, incidentId: string, until: string, now: string) {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `JOIN#${key}`, sk: 'JOIN', entity: 'joinKey', incidentId, until },
          ConditionExpression: 'attribute_not_exists(pk) OR incidentId = :i OR #until < :now',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':i': incidentId, ':now': now },
        }),
      );
      return { taken: true as const };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.ddb.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: `JOIN#${key}`, sk: 'JOIN' },
          ConsistentRead: true,
        }),
      );
      return { taken: false as const, incidentId: String(Item?.incidentId ?? '') };
    }
  }

  async releaseJoinKey(key: string, incidentId: string): Promise<void> {
    try {
      await this.ddb.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { pk: `JOIN#${key}`, sk: 'JOIN' },
          ConditionExpression: 'incidentId = :i',
          ExpressionAttributeValues: { ':i': incidentId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async create(incident: Incident): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...incidentKey(incident.incidentId),
            entity: 'incident',
            gsi1pk: 'INCIDENTS',
            gsi1sk: `${incident.discoveredAt}#${incident.incidentId}`,
            ...incident,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(incidentId: string): Promise<Incident | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: incidentKey(incidentId), ConsistentRead: true }),
    );
    return Item?.entity === 'incident' ? strip<Incident>(Item) : undefined;
  }

  async update(
    incidentId: string,
    fromStatuses: readonly IncidentStatus[],
    changes: Partial<Omit<Incident, 'incidentId'>>,
    options: { remove?: readonly (keyof Incident)[]; expect?: Readonly<Record<string, string | null>> } = {},
  ): Promise<Incident | undefined> {
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: incidentKey(incidentId),
          ...conditional(fromStatuses, changes, options.remove ?? [], options.expect ?? {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? strip<Incident>(Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async addSignal(incidentId: string, signal: Signal): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `INCIDENT#${incidentId}`, sk: `SIGNAL#${signal.signalId}`, entity: 'signal', ...signal },
      }),
    );
  }

  private async partition(incidentId: string, prefix: string): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
          ExpressionAttributeValues: { ':pk': `INCIDENT#${incidentId}`, ':p': prefix },
          ConsistentRead: true,
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      out.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async signals(incidentId: string): Promise<Signal[]> {
    return (await this.partition(incidentId, 'SIGNAL#'))
      .map((i) => strip<Signal>(i))
      .sort((a, b) => a.at.localeCompare(b.at) || a.signalId.localeCompare(b.signalId));
  }

  async addTimeline(incidentId: string, entry: TimelineEntry): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `INCIDENT#${incidentId}`,
          sk: `TL#${entry.at}#${randomUUID()}`,
          entity: 'timeline',
          ...entry,
        },
      }),
    );
  }

  async timeline(incidentId: string): Promise<TimelineEntry[]> {
    return (await this.partition(incidentId, 'TL#')).map((i) => strip<TimelineEntry>(i));
  }

  async list(limit: number, cursor?: string): Promise<{ incidents: Incident[]; cursor?: string }> {
    let start: Record<string, unknown> | undefined;
    if (cursor !== undefined) {
      const text = CURSOR.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
      const sort = CURSOR_TEXT.exec(text)?.[1];
      if (!sort)
        throw new ValidationError([
          { field: 'cursor', message: 'Use the cursor value from the previous page, unchanged.' },
        ]);
      const incidentId = sort.slice(sort.indexOf('#') + 1);
      start = { ...incidentKey(incidentId), gsi1pk: 'INCIDENTS', gsi1sk: sort };
    }
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byDiscovery',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': 'INCIDENTS' },
        ScanIndexForward: false,
        Limit: limit,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    const last = page.LastEvaluatedKey;
    return {
      incidents: (page.Items ?? []).map((i) => strip<Incident>(i)),
      ...(last ? { cursor: Buffer.from(String(last.gsi1sk), 'utf8').toString('base64url') } : {}),
    };
  }

  async createNotice(notice: Notice): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...noticeKey(notice.incidentId, notice.accountId),
            entity: 'notice',
            ...(notice.nextCheckAt
              ? {
                  gsi2pk: 'NOTICE#TIMER',
                  gsi2sk: timerSk(notice.nextCheckAt, notice.incidentId, notice.accountId),
                }
              : {}),
            // Every notice of the account, drafts too (the record of processing lists them; a lab
            // sees only what was sent to it: lab-notices.ts).
            gsi3pk: `ACCOUNT#${notice.accountId}`,
            gsi3sk: notice.noticeId,
            ...notice,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async notice(incidentId: string, accountId: string): Promise<Notice | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: noticeKey(incidentId, accountId), ConsistentRead: true }),
    );
    return Item?.entity === 'notice' ? strip<Notice>(Item) : undefined;
  }

  async notices(incidentId: string): Promise<Notice[]> {
    return (await this.partition(incidentId, 'NOTICE#')).map((i) => strip<Notice>(i));
  }

  async updateNotice(
    incidentId: string,
    accountId: string,
    fromStatuses: readonly NoticeStatus[],
    changes: Partial<Omit<Notice, 'incidentId' | 'accountId' | 'noticeId'>>,
    options: { remove?: readonly (keyof Notice)[]; expect?: Readonly<Record<string, string | null>> } = {},
  ): Promise<Notice | undefined> {
    const extra: Record<string, unknown> = {};
    const remove: string[] = [...(options.remove ?? [])];
    // The timer index follows nextCheckAt.
    if (changes.nextCheckAt !== undefined) {
      extra.gsi2pk = 'NOTICE#TIMER';
      extra.gsi2sk = timerSk(changes.nextCheckAt, incidentId, accountId);
    }
    if (remove.includes('nextCheckAt')) remove.push('gsi2pk', 'gsi2sk');
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: noticeKey(incidentId, accountId),
          ...conditional(fromStatuses, { ...changes, ...extra }, remove, options.expect ?? {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? strip<Notice>(Attributes) : undefined;
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async noticesByAccount(accountId: string, limit: number): Promise<Notice[]> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byAccount',
        KeyConditionExpression: 'gsi3pk = :p',
        ExpressionAttributeValues: { ':p': `ACCOUNT#${accountId}` },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((i) => strip<Notice>(i));
  }

  async noticeOfAccount(accountId: string, noticeId: string): Promise<Notice | undefined> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byAccount',
        KeyConditionExpression: 'gsi3pk = :p AND gsi3sk = :n',
        ExpressionAttributeValues: { ':p': `ACCOUNT#${accountId}`, ':n': noticeId },
      }),
    );
    const item = page.Items?.[0];
    // The index is eventually consistent: the notice itself is read back from the table.
    if (!item) return undefined;
    const notice = strip<Notice>(item);
    return this.notice(notice.incidentId, notice.accountId);
  }

  async noticesDue(cutoff: string, limit: number): Promise<{ incidentId: string; accountId: string }[]> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byTimer',
        KeyConditionExpression: 'gsi2pk = :p AND gsi2sk <= :c',
        ExpressionAttributeValues: { ':p': 'NOTICE#TIMER', ':c': `${cutoff}#~` },
        Limit: limit,
      }),
    );
    return (page.Items ?? []).flatMap((i) => {
      const [, incidentId, accountId] = String(i.gsi2sk).split('#');
      return incidentId && accountId ? [{ incidentId, accountId }] : [];
    });
  }
}
