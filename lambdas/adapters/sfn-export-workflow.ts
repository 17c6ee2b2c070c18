/**
 * Starts the account-export workflow. The execution is named by the export id, so a repeated start
 * (a retry after a lost answer) is the same execution: Step Functions refuses a second.
 */
import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { ExportWorkflow } from '../domain/export';

export class SfnExportWorkflow implements ExportWorkflow {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(exportId: string, input: { exportId: string; accountId: string }): Promise<void> {
    try {
      // Ids only: execution input shows in the console and the history.
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: exportId,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      if (
        error instanceof ExecutionAlreadyExists ||
        (error as { name?: string }).name === 'ExecutionAlreadyExists'
      ) {
        return;
      }
      throw error;
    }
  }
}
