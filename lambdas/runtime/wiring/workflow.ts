import { SfnWorkflow } from '../../adapters/sfn-workflow';
import { config } from '../config';
import { once } from '../sdk/options';
import { sfnClient } from '../sdk/sfn';

/** Starts order workflows and answers their task tokens. */
export const workflow = once(() => new SfnWorkflow(sfnClient(), config().stateMachines.orderWorkflow));
