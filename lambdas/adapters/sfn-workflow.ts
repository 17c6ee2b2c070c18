/** Starts order workflow executions by name: Step Functions itself makes a repeated start a no-op. */
import {
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Workflow } from '../domain/ports';

export class SfnWorkflow implements Workflow {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(name: string, input: { orderId: string; accountId: string }): Promise<string> {
    try {
      const { executionArn } = await this.sfn.send(
        // Ids only: execution input is visible in the console and history, so no PHI goes in.
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
      if (!executionArn) throw new Error('Step Functions returned no execution ARN');
      return executionArn;
    } catch (error) {
      // A finished execution with this name exists: it is the one this order already had.
      if (
        error instanceof ExecutionAlreadyExists ||
        (error as { name?: string }).name === 'ExecutionAlreadyExists'
      ) {
        const arn = this.stateMachineArn.replace(':stateMachine:', ':execution:');
        return `${arn}:${name}`;
      }
      throw error;
    }
  }

  async completeTask(
    token: string,
    output: Readonly<Record<string, string | number | boolean>>,
  ): Promise<boolean> {
    try {
      await this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
      return true;
    } catch (error) {
      // A token already completed, timed out or from a stopped execution: nothing waits for it.
      const name = (error as { name?: string }).name ?? '';
      if (['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken'].includes(name)) return false;
      throw error;
    }
  }
}
