import { DynamoAuditLog } from '../../adapters/dynamo-audit-log';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** The append-only audit log (audit table), numbered in write order by the sequence table's counter. */
export const audit = once(
  () => new DynamoAuditLog(documentClient(), config().tables.audit, config().tables.auditSequence),
);
