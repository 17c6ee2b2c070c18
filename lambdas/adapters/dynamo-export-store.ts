/**
 * Account exports in the orders table, beside the account's settings: the record
 * ACCOUNT#<id> / EXPORT#<exportId>, and one open slot per kind naming the export that runs:
 * ACCOUNT#<id> / EXPORT#OPEN for the portability export, EXPORT#OPEN#audit for the audit export
 * (a running audit export never holds up a portability export, nor the other way round). Single-item conditional writes only: the slot is taken first (so
 * of two requests one wins and the other answers the winner), then the record is written; a
 * record that cannot be written gives the slot back. A slot whose record is missing (the
 * give-back failed too) or finished (the job's release failed) is taken over. Export ids are
 * <kind prefix>_<time>…, so one kind's records are listed newest first by a Query on the account's
 * partition, in reverse sort-key order (the slots, EXPORT#OPEN…, never match a kind's prefix).
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ExportRecord, ExportStore } from '../domain/export';
import { ConflictError } from '../kernel/errors';
import { isConditionFailure } from './dynamo-errors';

const RECORD_FIELDS = [
  'status',
  'completedAt',
  'objectKey',
  'versionId',
  'sizeBytes',
  'orderCount',
  'fileCount',
  'manifestSha256',
  'expiresAt',
  'failure',
] as const;

const recordFrom = (item: Record<string, unknown> | undefined): ExportRecord | undefined => {
  if (item?.entity !== 'accountExport') return undefined;
  const { pk: _pk, sk: _sk, entity: _e, ...rest } = item;
  return rest as unknown as ExportRecord;
};

export class DynamoExportStore implements ExportStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private recordKey(accountId: string, exportId: string) {
    return { pk: `ACCOUNT#${accountId}`, sk: `EXPORT#${exportId}` };
  }

  private slotKey(accountId: string, kind: ExportRecord['kind']) {
    return { pk: `ACCOUNT#${accountId}`, sk: kind ? `EXPORT#OPEN#${kind}` : 'EXPORT#OPEN' };
  }

  /** Takes the open slot; `replacing`: only from that holder. False when someone else holds it. */
  private async takeSlot(record: ExportRecord, replacing?: string): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.slotKey(record.accountId, record.kind),
            entity: 'accountExportSlot',
            exportId: record.exportId,
            since: record.requestedAt,
          },
          ...(replacing
            ? {
                ConditionExpression: 'exportId = :old',
                ExpressionAttributeValues: { ':old': replacing },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async create(
    record: ExportRecord,
    staleBefore: string,
  ): Promise<{ created: true } | { created: false; existing: ExportRecord }> {
    let taken = await this.takeSlot(record);
    if (!taken) {
      const { Item: slot } = await this.ddb.send(
        new GetCommand({
          TableName: this.table,
          Key: this.slotKey(record.accountId, record.kind),
          ConsistentRead: true,
        }),
      );
      const holder = typeof slot?.exportId === 'string' ? slot.exportId : undefined;
      const existing = holder ? await this.get(record.accountId, holder) : undefined;
      if (existing?.status === 'RUNNING') return { created: false, existing };
      if (holder && !existing && typeof slot?.since === 'string' && slot.since > staleBefore) {
        throw new ConflictError(
          'An export of this account is being started; ask for its status in a moment.',
          'EXPORT_PENDING',
        );
      }
      taken = await this.takeSlot(record, holder);
      if (!taken && !holder) taken = await this.takeSlot(record);
      if (!taken) {
        throw new ConflictError(
          'Another export of this account was just started; try again.',
          'EXPORT_PENDING',
        );
      }
    }
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...this.recordKey(record.accountId, record.exportId), entity: 'accountExport', ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      await this.releaseSlot(record.accountId, record.exportId, record.kind).catch(() => undefined);
      throw error;
    }
    return { created: true };
  }

  async get(accountId: string, exportId: string): Promise<ExportRecord | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.table,
        Key: this.recordKey(accountId, exportId),
        ConsistentRead: true,
      }),
    );
    return recordFrom(Item);
  }

  async list(
    accountId: string,
    idPrefix: string,
    page: { readonly limit: number; readonly after?: string },
  ): Promise<{ records: ExportRecord[]; more: boolean }> {
    // One more than asked: a full page says whether there is another without a trailing empty one.
    const { Items = [], LastEvaluatedKey } = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :kind)',
        ExpressionAttributeValues: { ':pk': `ACCOUNT#${accountId}`, ':kind': `EXPORT#${idPrefix}_` },
        ScanIndexForward: false,
        Limit: page.limit + 1,
        ConsistentRead: true,
        // Rebuilt from the caller's own partition: a cursor never reaches another account.
        ...(page.after ? { ExclusiveStartKey: this.recordKey(accountId, page.after) } : {}),
      }),
    );
    const records = Items.slice(0, page.limit)
      .map((item) => recordFrom(item))
      .filter((r): r is ExportRecord => r !== undefined);
    return { records, more: Items.length > page.limit || LastEvaluatedKey !== undefined };
  }

  async finish(
    accountId: string,
    exportId: string,
    outcome: Pick<ExportRecord, 'status' | 'completedAt'> & Partial<ExportRecord>,
  ): Promise<void> {
    const fields = RECORD_FIELDS.filter((f) => outcome[f] !== undefined);
    let finished: ExportRecord | undefined;
    try {
      const { Attributes } = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.recordKey(accountId, exportId),
          UpdateExpression: `SET ${fields.map((f) => `#${f} = :${f}`).join(', ')}`,
          // A finished export stays as it finished (a late re-run, a late failure report).
          ConditionExpression: 'attribute_exists(pk) AND #status = :running',
          ExpressionAttributeNames: Object.fromEntries(fields.map((f) => [`#${f}`, f])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(fields.map((f) => [`:${f}`, outcome[f]])),
            ':running': 'RUNNING',
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      finished = recordFrom(Attributes);
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // Finished before: its slot was given back then, unless that failed; which slot is the record's.
      finished = await this.get(accountId, exportId);
    }
    if (finished) await this.releaseSlot(accountId, exportId, finished.kind);
  }

  private async releaseSlot(accountId: string, exportId: string, kind: ExportRecord['kind']) {
    try {
      await this.ddb.send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.slotKey(accountId, kind),
          ConditionExpression: 'exportId = :id',
          ExpressionAttributeValues: { ':id': exportId },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
