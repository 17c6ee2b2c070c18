/**
 * The audit log: append-only. Every write is a conditional PutItem that cannot overwrite, and
 * the IAM grant of every function allows PutItem alone on this table (lib/functions.ts).
 *   pk ACCOUNT#<owner account> / sk <at>#<eventId>     gsi1: ACTOR#<sub> / <at>#<eventId>
 *   seq <n>                                             gsi2: SEQ#<n div 100000> / <n, 12 digits>
 *
 * Write order: before the put, the event takes the next number of the counter in the sequence
 * table (one atomic ADD). The number, not the claimed time, decides which digest seals the event
 * (docs/audit.md): a number taken but not yet written is a hole the sealer keeps open and checks
 * again on every run, so an event written late still lands in exactly one digest.
 */
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { SEQUENCE_KEY } from '../../common/definitions';
import type { AuditEvent } from '../domain/audit';
import { sequencePartition, sequenceSortKey } from '../domain/audit-sequence';
import type { AuditLog } from '../domain/ports';

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly sequenceTable: string,
  ) {}

  async append(event: AuditEvent): Promise<void> {
    const { Attributes } = await this.ddb.send(
      new UpdateCommand({
        TableName: this.sequenceTable,
        Key: { pk: SEQUENCE_KEY },
        UpdateExpression: 'ADD #next :one',
        ExpressionAttributeNames: { '#next': 'next' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const seq = Attributes?.next;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq))
      throw new Error('The audit counter is unreadable');
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `ACCOUNT#${event.accountId}`,
          sk: `${event.at}#${event.eventId}`,
          gsi1pk: `ACTOR#${event.actorSub}`,
          gsi1sk: `${event.at}#${event.eventId}`,
          gsi2pk: sequencePartition(seq),
          gsi2sk: sequenceSortKey(seq),
          ...event,
          seq,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /**
   * Counts an append that failed, on the counter item (the one item of the sequence table an
   * appender may write): the breach detector's audit-write-failures rule reads it, since a failed
   * event is in the audit table by definition never (lambdas/domain/detection/thresholds.ts).
   */
  async countFailure(): Promise<void> {
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.sequenceTable,
        Key: { pk: SEQUENCE_KEY },
        UpdateExpression: 'ADD #failed :one',
        ExpressionAttributeNames: { '#failed': 'failed' },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }
}
