/**
 * The order workflow over Step Functions: executions started by name (Step Functions itself makes a
 * repeated start a no-op), waiting tasks completed with their tokens, executions described for the
 * watchdog.
 */
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { ExecutionStatus, Workflow } from '../domain/ports';
import { TaskTokenRefusedError } from '../kernel/errors';

/** What Step Functions answers for a token nothing waits for any more: never worth a retry. */
const REFUSED_TOKEN_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export class SfnWorkflow implements Workflow {
  private readonly executionPrefix: string;

  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {
    this.executionPrefix = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
  }

  async start(name: string, input: { orderId: string; accountId: string; resumeFrom?: string }) {
    try {
      const { executionArn } = await this.sfn.send(
        // Ids and a status code only: execution input is visible in the console and history, so no PHI goes in.
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
        return `${this.executionPrefix}${name}`;
      }
      throw error;
    }
  }

  async completeTask(token: string, output: Readonly<Record<string, string | number | boolean>>) {
    try {
      await this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
    } catch (error) {
      // A token already completed, timed out, or of a stopped or lost execution: nothing waits for
      // it, so the order would sit for ever. The caller sets it aside (STUCK) and alerts.
      const name = (error as { name?: string }).name ?? '';
      if (REFUSED_TOKEN_ERRORS.has(name)) throw new TaskTokenRefusedError(name, { cause: error });
      throw error;
    }
  }

  async executionStatus(name: string): Promise<ExecutionStatus> {
    try {
      const { status } = await this.sfn.send(
        new DescribeExecutionCommand({ executionArn: `${this.executionPrefix}${name}` }),
      );
      return (status ?? 'MISSING') as ExecutionStatus;
    } catch (error) {
      if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return 'MISSING';
      throw error;
    }
  }
}
