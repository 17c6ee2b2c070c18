import { SfnExportWorkflow } from '../../adapters/sfn-export-workflow';
import { config } from '../config';
import { once } from '../sdk/options';
import { sfnClient } from '../sdk/sfn';

/** Starts account-export executions. */
export const exportWorkflow = once(
  () => new SfnExportWorkflow(sfnClient(), config().stateMachines.accountExport),
);

/** Starts audit-export executions: the same adapter, the audit-export state machine. */
export const auditExportWorkflow = once(
  () => new SfnExportWorkflow(sfnClient(), config().stateMachines.auditExport),
);
