import { SfnIncidentWorkflow } from '../../adapters/sfn-incident-workflow';
import { config } from '../config';
import { once } from '../sdk/options';
import { sfnClient } from '../sdk/sfn';

/** Starts incident workflows and answers their waits (triage, close). */
export const incidentWorkflow = once(
  () => new SfnIncidentWorkflow(sfnClient(), config().stateMachines.incidentWorkflow),
);
