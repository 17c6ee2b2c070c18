import { SnsNotifier } from '../../adapters/sns-notifier';
import { config } from '../config';
import { once } from '../sdk/options';
import { snsClient } from '../sdk/sns';

/** Lab notifications and operator alerts. */
export const notifier = once(() => new SnsNotifier(snsClient(), config().topics));
