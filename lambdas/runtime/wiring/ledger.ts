import { DynamoAuditLedger } from '../../adapters/dynamo-audit-ledger';
import { config } from '../config';
import { documentClient } from '../sdk/dynamodb';
import { once } from '../sdk/options';

/** Reads of the audit log (write order, by account, by actor) and the sealer's position. */
export const ledger = once(
  () => new DynamoAuditLedger(documentClient(), config().tables.audit, config().tables.auditSequence),
);
