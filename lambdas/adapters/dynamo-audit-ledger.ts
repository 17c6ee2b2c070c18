/**
 * What the audit sealer and the auditor's view read of the audit log, and the sealer's position.
 *   audit table:     bySequence index  SEQ#<n div 100000> / <n, 12 digits>   (write order)
 *                    ACCOUNT#<owner> / <at>#<eventId>, byActor ACTOR#<sub> / <at>#<eventId>
 *   sequence table:  SEQUENCE { next }   the counter every append takes a number from
 *                    SEALER { digestNo, sealedThrough, windowTo, holes, lastGlobal, chains, lease }
 * Only queries on a key or an index; never a Scan. Reads of the audit table never write to it.
 */
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SEALER_KEY, SEQUENCE_KEY } from '../../common/definitions';
import {
  type AuditRecord,
  recordOf,
  SEQUENCE_PARTITION_SIZE,
  sequencePartition,
  sequenceSortKey,
} from '../domain/audit-digest';
import type { AuditLedger, SealerState } from '../domain/audit-seal';
import type { AuditTrail, TrailPage, TrailQuery } from '../domain/audit-trail';
import { ValidationError } from '../kernel/errors';
import { isConditionFailure } from './dynamo-errors';

const toRecord = (item: Record<string, unknown>): AuditRecord => recordOf(item) as AuditRecord;

const ID = '[A-Za-z0-9][A-Za-z0-9._:-]{0,127}';
const SORT = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z#[A-Za-z0-9_-]{1,64}';
/** A page cursor: `<owner account>|<at>#<eventId>` of the last event of the page, base64url. */
const CURSOR = /^[A-Za-z0-9_-]{1,400}$/;
const CURSOR_TEXT = new RegExp(`^(${ID})\\|(${SORT})$`);

const encodeCursor = (key: Record<string, unknown> | undefined): string | undefined => {
  if (!key) return undefined;
  const owner = String(key.pk ?? '').replace(/^ACCOUNT#/, '');
  return Buffer.from(`${owner}|${String(key.sk ?? '')}`, 'utf8').toString('base64url');
};

/**
 * The cursor comes back from the caller: checked like any input, and the start key rebuilt from its
 * checked parts, with the query's own partition (a cursor cannot move a query to another partition).
 */
const decodeCursor = (cursor: string, query: TrailQuery): Record<string, unknown> => {
  const parts = CURSOR.test(cursor)
    ? CURSOR_TEXT.exec(Buffer.from(cursor, 'base64url').toString('utf8'))
    : null;
  const owner = parts?.[1];
  const sort = parts?.[2];
  if (!owner || !sort || (query.accountId !== undefined && owner !== query.accountId)) {
    throw new ValidationError([
      { field: 'cursor', message: 'Use the cursor value from the previous page, unchanged.' },
    ]);
  }
  const base = { pk: `ACCOUNT#${owner}`, sk: sort };
  return query.actor !== undefined ? { ...base, gsi1pk: `ACTOR#${query.actor}`, gsi1sk: sort } : base;
};

export class DynamoAuditLedger implements AuditLedger, AuditTrail {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly sequenceTable: string,
  ) {}

  async counter(): Promise<number> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.sequenceTable, Key: { pk: SEQUENCE_KEY }, ConsistentRead: true }),
    );
    const next = Item?.next;
    return typeof next === 'number' ? next : 0;
  }

  async state(): Promise<SealerState> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.sequenceTable, Key: { pk: SEALER_KEY }, ConsistentRead: true }),
    );
    return {
      digestNo: typeof Item?.digestNo === 'number' ? Item.digestNo : 0,
      sealedThrough: typeof Item?.sealedThrough === 'number' ? Item.sealedThrough : 0,
      ...(typeof Item?.windowTo === 'string' ? { windowTo: Item.windowTo } : {}),
      holes: Array.isArray(Item?.holes) ? (Item.holes as number[]) : [],
      ...(Item?.lastGlobal ? { lastGlobal: Item.lastGlobal as SealerState['lastGlobal'] } : {}),
      chains: (Item?.chains as SealerState['chains'] | undefined) ?? {},
    };
  }

  async takeLease(runId: string, now: Date, until: Date): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.sequenceTable,
          Key: { pk: SEALER_KEY },
          // The first run's window starts at its first attempt, kept: a run done again has the same keys.
          UpdateExpression:
            'SET leaseRun = :run, leaseUntil = :until, windowTo = if_not_exists(windowTo, :now)',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
          ExpressionAttributeValues: {
            ':run': runId,
            ':until': until.toISOString(),
            ':now': now.toISOString(),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async inSequence(from: number, through: number): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    const firstPart = Math.floor(from / SEQUENCE_PARTITION_SIZE);
    const lastPart = Math.floor(through / SEQUENCE_PARTITION_SIZE);
    for (let part = firstPart; part <= lastPart; part++) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await this.ddb.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'bySequence',
            KeyConditionExpression: 'gsi2pk = :p AND gsi2sk BETWEEN :a AND :b',
            ExpressionAttributeValues: {
              ':p': sequencePartition(part * SEQUENCE_PARTITION_SIZE),
              ':a': sequenceSortKey(Math.max(from, part * SEQUENCE_PARTITION_SIZE)),
              ':b': sequenceSortKey(Math.min(through, (part + 1) * SEQUENCE_PARTITION_SIZE - 1)),
            },
            ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
          }),
        );
        for (const item of page.Items ?? []) out.push(toRecord(item));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    }
    return out;
  }

  async atSequence(seq: number): Promise<AuditRecord | undefined> {
    const { Items } = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'bySequence',
        KeyConditionExpression: 'gsi2pk = :p AND gsi2sk = :s',
        ExpressionAttributeValues: { ':p': sequencePartition(seq), ':s': sequenceSortKey(seq) },
      }),
    );
    const item = Items?.[0];
    return item ? toRecord(item) : undefined;
  }

  async commit(runId: string, previous: SealerState, next: SealerState): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.sequenceTable,
          Key: { pk: SEALER_KEY },
          UpdateExpression:
            'SET digestNo = :no, sealedThrough = :through, windowTo = :to, holes = :holes, lastGlobal = :last, chains = :chains REMOVE leaseRun, leaseUntil',
          ConditionExpression:
            previous.digestNo === 0
              ? 'leaseRun = :run AND attribute_not_exists(digestNo)'
              : 'leaseRun = :run AND digestNo = :prev',
          ExpressionAttributeValues: {
            ':no': next.digestNo,
            ':through': next.sealedThrough,
            ':to': next.windowTo,
            ':holes': next.holes,
            ':last': next.lastGlobal,
            ':chains': next.chains,
            ':run': runId,
            ...(previous.digestNo === 0 ? {} : { ':prev': previous.digestNo }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async page(query: TrailQuery): Promise<TrailPage> {
    const byActor = query.actor !== undefined;
    const { Items, LastEvaluatedKey } = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        ...(byActor ? { IndexName: 'byActor' } : {}),
        KeyConditionExpression: `${byActor ? 'gsi1pk' : 'pk'} = :p AND ${byActor ? 'gsi1sk' : 'sk'} BETWEEN :from AND :to`,
        ...(byActor && query.accountId !== undefined ? { FilterExpression: 'accountId = :account' } : {}),
        ExpressionAttributeValues: {
          ':p': byActor ? `ACTOR#${query.actor}` : `ACCOUNT#${query.accountId}`,
          ':from': query.from,
          // Sort keys are <at>#<eventId>: every event at `to` sorts before `to` + '$'.
          ':to': `${query.to}$`,
          ...(byActor && query.accountId !== undefined ? { ':account': query.accountId } : {}),
        },
        Limit: query.limit,
        ...(query.cursor ? { ExclusiveStartKey: decodeCursor(query.cursor, query) } : {}),
      }),
    );
    const cursor = encodeCursor(LastEvaluatedKey);
    return { events: (Items ?? []).map(toRecord), ...(cursor ? { cursor } : {}) };
  }
}
