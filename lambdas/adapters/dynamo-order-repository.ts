/**
 * Orders in one DynamoDB table (single-table design, keys in common/definitions.ts):
 *   ORDER#<id> / META              the order          gsi1: ACCOUNT#<acct> / <createdAt>#<id>
 *   ORDER#<id> / FILE#<fileId>     a declared file    gsi2: SHA#<acct>#<sha256> / <orderId> while open
 *   ORDER#<id> / EVENT#<at>#<n>    a timeline entry
 *   CASEREF#<acct>#<hmac> / GUARD   which open order holds a case reference (keyed hash, never the reference)
 * Orders also sit in sparse indexes while a state lasts (IndexChanges in domain/order.ts):
 *   gsi2 <TIMER>#PENDING / <when>#<id>   one pending timer: INTAKE, OFFER, LEASE, DECISION or PURGE
 *                                       (a draft is written on PURGE: its expiry, domain/retention.ts)
 *   gsi3 QUEUE | OFFER#<sub> / <prio>#<dueAt>#<createdAt>#<id>   the work queue (byQueueItems: keys and items)
 *   gsi4 ASSIGNEE#<sub> / <claimedAt>#<id>   what a designer holds
 *   gsi5 DUE / <dueAt>#<id>                 turnaround watch until delivery
 *   gsi6 WATCH / <lastCheckedAt>#<id>       in the workflow: the watchdog checks its execution
 * so every sweep and every claim queries exactly the orders concerned, never scanning.
 * Single-item conditional writes only: the local stand-in has no transactions, and none are needed.
 */
import { randomBytes } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { IndexChanges, Order, OrderFile, TimelineEntry } from '../domain/order';
import type { OrderRepository, QueueEntry } from '../domain/ports';
import { OrderExistsError, ValidationError } from '../kernel/errors';
import { isConditionFailure } from './dynamo-errors';

const orderKey = (orderId: string) => ({ pk: `ORDER#${orderId}`, sk: 'META' });
const fileKey = (orderId: string, fileId: string) => ({ pk: `ORDER#${orderId}`, sk: `FILE#${fileId}` });
const caseRefKey = (accountId: string, guardKey: string) => ({
  pk: `CASEREF#${accountId}#${guardKey}`,
  sk: 'GUARD',
});
const KEY_ATTRS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'] as const;

const strip = <T>(item: Record<string, unknown> | undefined): T | undefined => {
  if (!item) return undefined;
  const copy = { ...item };
  for (const k of KEY_ATTRS) delete copy[k];
  delete copy.entity;
  return copy as T;
};

export const encodeCursor = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;

/** base64url of a byAccount key: about 150 characters; anything much longer was not ours. */
const CURSOR = /^[A-Za-z0-9_-]{1,512}$/;
const CURSOR_PK = /^ORDER#([A-Za-z0-9][A-Za-z0-9_-]{0,63})$/;
const CURSOR_SORT = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z)#([A-Za-z0-9][A-Za-z0-9_-]{0,63})$/;

/**
 * A list cursor is the last key of a byAccount page. It comes back from the caller, so it is
 * checked like any input before it reaches DynamoDB: its length and alphabet, exactly the four
 * key attributes, each in the shape this adapter writes, naming one order in both keys. The key
 * is then rebuilt from the checked parts with the caller's own partition, so a cursor can never
 * name another account, and a forged one is a 400, never a DynamoDB error.
 */
const decodeCursor = (cursor: string | undefined, accountId: string): Record<string, unknown> | undefined => {
  if (!cursor) return undefined;
  try {
    if (!CURSOR.test(cursor)) throw new Error('cursor alphabet or length');
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new Error('cursor shape');
    const { pk, sk, gsi1pk, gsi1sk, ...rest } = key as Record<string, unknown>;
    if (Object.keys(rest).length > 0 || typeof pk !== 'string' || typeof gsi1sk !== 'string')
      throw new Error('cursor attributes');
    // A cursor is only good for the account that received it.
    if (gsi1pk !== `ACCOUNT#${accountId}` || sk !== 'META') throw new Error('foreign cursor');
    const orderId = CURSOR_PK.exec(pk)?.[1];
    const sort = CURSOR_SORT.exec(gsi1sk);
    if (!orderId || !sort || sort[2] !== orderId) throw new Error('cursor key values');
    return {
      pk: `ORDER#${orderId}`,
      sk: 'META',
      gsi1pk: `ACCOUNT#${accountId}`,
      gsi1sk: `${sort[1]}#${orderId}`,
    };
  } catch (cause) {
    throw new ValidationError(
      [{ field: 'cursor', message: 'Use the nextCursor value from the previous page, unchanged.' }],
      { cause },
    );
  }
};

export class DynamoOrderRepository implements OrderRepository {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(order: Order, indexes: Pick<IndexChanges, 'pending'> = {}): Promise<void> {
    const { pending } = indexes;
    const put = new PutCommand({
      TableName: this.table,
      Item: {
        ...orderKey(order.orderId),
        entity: 'order',
        gsi1pk: `ACCOUNT#${order.accountId}`,
        gsi1sk: `${order.createdAt}#${order.orderId}`,
        ...(pending ? { gsi2pk: `${pending.name}#PENDING`, gsi2sk: `${pending.at}#${order.orderId}` } : {}),
        ...order,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    try {
      await this.ddb.send(put);
    } catch (error) {
      if (isConditionFailure(error)) throw new OrderExistsError(order.orderId, { cause: error });
      throw error;
    }
  }

  async get(orderId: string): Promise<Order | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: orderKey(orderId), ConsistentRead: true }),
    );
    return strip<Order>(Item);
  }

  async transition(
    orderId: string,
    fromStatuses: readonly Order['status'][],
    changes: Partial<Order>,
    options: {
      indexes?: IndexChanges;
      remove?: readonly (keyof Order)[];
      expect?: Readonly<Record<string, string | number>>;
    } = {},
  ): Promise<Order | undefined> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {};
    fromStatuses.forEach((s, i) => {
      values[`:from${i}`] = s;
    });
    const sets: string[] = [];
    const removes: string[] = [];
    let n = 0;
    const set = (attr: string, value: unknown) => {
      names[`#a${n}`] = attr;
      values[`:a${n}`] = value;
      sets.push(`#a${n} = :a${n}`);
      n++;
    };
    const unset = (attr: string) => {
      names[`#a${n}`] = attr;
      removes.push(`#a${n}`);
      n++;
    };
    for (const [k, v] of Object.entries(changes)) if (v !== undefined) set(k, v);
    for (const k of options.remove ?? []) unset(k);
    const idx = options.indexes ?? {};
    const place = (pkAttr: string, skAttr: string, value: { pk: string; sk: string } | null | undefined) => {
      if (value === undefined) return;
      if (value === null) {
        unset(pkAttr);
        unset(skAttr);
      } else {
        set(pkAttr, value.pk);
        set(skAttr, value.sk);
      }
    };
    place(
      'gsi2pk',
      'gsi2sk',
      idx.pending === undefined
        ? undefined
        : idx.pending && { pk: `${idx.pending.name}#PENDING`, sk: `${idx.pending.at}#${orderId}` },
    );
    place(
      'gsi3pk',
      'gsi3sk',
      idx.queue === undefined ? undefined : idx.queue && { pk: idx.queue.lane, sk: idx.queue.sortKey },
    );
    place(
      'gsi4pk',
      'gsi4sk',
      idx.assignee === undefined
        ? undefined
        : idx.assignee && { pk: `ASSIGNEE#${idx.assignee.sub}`, sk: `${idx.assignee.since}#${orderId}` },
    );
    place(
      'gsi5pk',
      'gsi5sk',
      idx.due === undefined ? undefined : idx.due && { pk: 'DUE', sk: `${idx.due.at}#${orderId}` },
    );
    place(
      'gsi6pk',
      'gsi6sk',
      idx.watch === undefined ? undefined : idx.watch && { pk: 'WATCH', sk: `${idx.watch.at}#${orderId}` },
    );
    const conditions = [
      `attribute_exists(pk)`,
      `#status IN (${fromStatuses.map((_s, i) => `:from${i}`).join(', ')})`,
    ];
    Object.entries(options.expect ?? {}).forEach(([k, v], i) => {
      names[`#e${i}`] = k;
      values[`:e${i}`] = v;
      conditions.push(`#e${i} = :e${i}`);
    });
    if (!sets.length && !removes.length) {
      // Nothing to write (an UpdateItem needs an action): the same conditions, on a consistent read.
      const current = await this.get(orderId);
      const fields = current as Record<string, unknown> | undefined;
      const holds =
        current !== undefined &&
        fromStatuses.includes(current.status) &&
        Object.entries(options.expect ?? {}).every(([k, v]) => fields?.[k] === v);
      return holds ? current : undefined;
    }
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: orderKey(orderId),
          UpdateExpression: [
            sets.length ? `SET ${sets.join(', ')}` : '',
            removes.length ? `REMOVE ${removes.join(', ')}` : '',
          ]
            .filter(Boolean)
            .join(' '),
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<Order>(Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async queuePage(lane: string, limit: number, cursor?: string) {
    let startKey: Record<string, unknown> | undefined;
    if (cursor)
      startKey = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byQueueItems',
        KeyConditionExpression: 'gsi3pk = :lane',
        ExpressionAttributeValues: { ':lane': lane },
        Limit: limit,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const next = encodeCursor(page.LastEvaluatedKey);
    return {
      entries: (page.Items ?? []).map(
        (i): QueueEntry => ({
          orderId: String(i.pk).replace(/^ORDER#/, ''),
          sortKey: String(i.gsi3sk),
          itemTypes: Array.isArray(i.items)
            ? i.items.map((item: { type?: unknown }) => String(item?.type))
            : [],
        }),
      ),
      ...(next ? { cursor: next } : {}),
    };
  }

  private async idsFrom(
    index: string,
    pkAttr: string,
    skAttr: string,
    pk: string,
    before: string | undefined,
    limit: number,
  ) {
    const { Items } = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: index,
        KeyConditionExpression: before ? `${pkAttr} = :pk AND ${skAttr} < :before` : `${pkAttr} = :pk`,
        ExpressionAttributeValues: { ':pk': pk, ...(before ? { ':before': before } : {}) },
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => String(i.pk).replace(/^ORDER#/, ''));
  }

  assignedTo(sub: string): Promise<string[]> {
    return this.idsFrom('byAssignee', 'gsi4pk', 'gsi4sk', `ASSIGNEE#${sub}`, undefined, 100);
  }

  pendingBefore(
    name: 'INTAKE' | 'OFFER' | 'LEASE' | 'DECISION' | 'PURGE',
    cutoff: string,
    limit: number,
  ): Promise<string[]> {
    return this.idsFrom('byLookup', 'gsi2pk', 'gsi2sk', `${name}#PENDING`, cutoff, limit);
  }

  dueBefore(cutoff: string, limit: number): Promise<string[]> {
    return this.idsFrom('byTimer', 'gsi5pk', 'gsi5sk', 'DUE', cutoff, limit);
  }

  watchedBefore(cutoff: string, limit: number): Promise<string[]> {
    return this.idsFrom('byWatch', 'gsi6pk', 'gsi6sk', 'WATCH', cutoff, limit);
  }

  async listByAccount(accountId: string, opts: { limit: number; cursor?: string; status?: Order['status'] }) {
    const orders: Order[] = [];
    let startKey = decodeCursor(opts.cursor, accountId);
    // A status filter may thin a page out: keep reading until the page is full or the index ends.
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'byAccount',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: {
            ':pk': `ACCOUNT#${accountId}`,
            ...(opts.status ? { ':status': opts.status } : {}),
          },
          ...(opts.status
            ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }
            : {}),
          ScanIndexForward: false,
          Limit: opts.limit - orders.length,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of page.Items ?? []) orders.push(strip<Order>(item) as Order);
      startKey = page.LastEvaluatedKey;
    } while (startKey && orders.length < opts.limit);
    const cursor = encodeCursor(startKey);
    return { orders, ...(cursor ? { cursor } : {}) };
  }

  async reserveCaseRef(
    accountId: string,
    guardKey: string,
    orderId: string,
    reservedAt: string,
    replacing?: string,
  ) {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...caseRefKey(accountId, guardKey), entity: 'caseRefGuard', orderId, reservedAt },
          // Taking over a stale guard only while that holder still has it: two takers, one wins.
          ...(replacing
            ? {
                ConditionExpression: 'attribute_not_exists(pk) OR orderId = :stale',
                ExpressionAttributeValues: { ':stale': replacing },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
      return { reserved: true as const };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.ddb.send(
        new GetCommand({ TableName: this.table, Key: caseRefKey(accountId, guardKey), ConsistentRead: true }),
      );
      return {
        reserved: false as const,
        orderId: String(Item?.orderId ?? 'unknown'),
        ...(typeof Item?.reservedAt === 'string' ? { reservedAt: Item.reservedAt } : {}),
      };
    }
  }

  async releaseCaseRef(accountId: string, guardKey: string, orderId: string): Promise<void> {
    try {
      await this.ddb.send(
        new DeleteCommand({
          TableName: this.table,
          Key: caseRefKey(accountId, guardKey),
          // Only the holder releases: a remake may have taken the reference since.
          ConditionExpression: 'orderId = :o',
          ExpressionAttributeValues: { ':o': orderId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async addFile(file: OrderFile): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...fileKey(file.orderId, file.fileId),
          entity: 'file',
          // Only a lab's inputs take part in the duplicate-scan check; designs never do.
          ...(file.role === 'input'
            ? { gsi2pk: `SHA#${file.accountId}#${file.sha256}`, gsi2sk: file.orderId }
            : {}),
          ...file,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async updateFile(orderId: string, fileId: string, changes: Partial<OrderFile>): Promise<void> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined);
    if (!entries.length) return;
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: fileKey(orderId, fileId),
        UpdateExpression: `SET ${entries.map((_e, i) => `#f${i} = :f${i}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:f${i}`, v])),
      }),
    );
  }

  private async queryOrder(orderId: string, prefix: string) {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': `ORDER#${orderId}`, ':prefix': prefix },
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  async files(orderId: string): Promise<OrderFile[]> {
    return (await this.queryOrder(orderId, 'FILE#')).map((i) => strip<OrderFile>(i) as OrderFile);
  }

  async deleteFile(orderId: string, fileId: string): Promise<void> {
    await this.ddb.send(new DeleteCommand({ TableName: this.table, Key: fileKey(orderId, fileId) }));
  }

  async findOpenFileBySha(accountId: string, sha256: string) {
    const { Items } = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'byLookup',
        KeyConditionExpression: 'gsi2pk = :pk',
        ExpressionAttributeValues: { ':pk': `SHA#${accountId}#${sha256}` },
        Limit: 1,
      }),
    );
    const hit = Items?.[0];
    return hit ? { orderId: String(hit.gsi2sk), fileId: String(hit.sk).replace(/^FILE#/, '') } : undefined;
  }

  async forgetFileShas(orderId: string): Promise<void> {
    const files = await this.queryOrder(orderId, 'FILE#');
    await Promise.all(
      files.map((f) =>
        this.ddb.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: f.pk, sk: f.sk },
            UpdateExpression: 'REMOVE gsi2pk, gsi2sk',
          }),
        ),
      ),
    );
  }

  async addTimeline(entry: TimelineEntry): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        // The random suffix keeps two entries in the same millisecond apart.
        Item: {
          pk: `ORDER#${entry.orderId}`,
          sk: `EVENT#${entry.at}#${randomBytes(4).toString('hex')}`,
          entity: 'event',
          ...entry,
        },
      }),
    );
  }

  async timeline(orderId: string): Promise<TimelineEntry[]> {
    return (await this.queryOrder(orderId, 'EVENT#')).map((i) => strip<TimelineEntry>(i) as TimelineEntry);
  }
}
