/**
 * The audit log: append-only. Every write is a conditional PutItem that cannot overwrite, and
 * the IAM grant of every function allows PutItem alone on this table (lib/functions.ts).
 *   pk ACCOUNT#<owner account> / sk <at>#<eventId>     gsi1: ACTOR#<sub> / <at>#<eventId>
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEvent } from '../domain/audit';
import type { AuditLog } from '../domain/ports';

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(event: AuditEvent): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `ACCOUNT#${event.accountId}`,
          sk: `${event.at}#${event.eventId}`,
          gsi1pk: `ACTOR#${event.actorSub}`,
          gsi1sk: `${event.at}#${event.eventId}`,
          ...event,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
}
