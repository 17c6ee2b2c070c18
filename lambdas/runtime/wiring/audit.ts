import { DynamoAuditLog } from '../../adapters/dynamo-audit-log';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** The append-only audit log (audit table). */
export const audit = once(() => new DynamoAuditLog(documentClient(), config().tables.audit));
