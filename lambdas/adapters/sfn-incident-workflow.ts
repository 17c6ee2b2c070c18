/**
 * The incident workflow over Step Functions: one execution per incident, named by its id (a second
 * start is the same execution), and its waits (triage, close) completed with their tokens. A signal
 * that joins an incident starts a short execution of the same machine (`signalId` in its input
 * routes it to the re-scope), one per signal.
 */
import { createHash } from 'node:crypto';
import {
  ExecutionAlreadyExists,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { IncidentWorkflow } from '../domain/incidents/model';
import { TaskTokenRefusedError } from '../kernel/errors';

/** What Step Functions answers for a token nothing waits for any more: never worth a retry. */
const REFUSED_TOKEN_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

/** A re-scope's execution: the incident and a hash of the signal id (AWS's names: 80 characters at most). */
export const rescopeExecutionName = (incidentId: string, signalId: string) =>
  `${incidentId}-j${createHash('sha256').update(signalId).digest('hex').slice(0, 32)}`;

export class SfnIncidentWorkflow implements IncidentWorkflow {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(incidentId: string): Promise<void> {
    // The incident id only: execution input shows in the console and the history.
    await this.startOnce(incidentId, { incidentId });
  }

  async rescope(incidentId: string, signalId: string): Promise<void> {
    await this.startOnce(rescopeExecutionName(incidentId, signalId), { incidentId, signalId });
  }

  private async startOnce(name: string, input: Readonly<Record<string, string>>): Promise<void> {
    try {
      await this.sfn.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name,
          input: JSON.stringify(input),
        }),
      );
    } catch (error) {
      if (
        error instanceof ExecutionAlreadyExists ||
        (error as { name?: string }).name === 'ExecutionAlreadyExists'
      )
        return;
      throw error;
    }
  }

  async completeTask(token: string, output: Readonly<Record<string, string>>): Promise<void> {
    try {
      await this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }));
    } catch (error) {
      const name = (error as { name?: string }).name ?? '';
      if (REFUSED_TOKEN_ERRORS.has(name)) throw new TaskTokenRefusedError(name, { cause: error });
      throw error;
    }
  }
}
