/**
 * Caseline on AWS. This stack only composes: every resource is built by the construct of its
 * concern, from lib/definitions.ts and lib/functions.ts.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Alerts } from './alerts';
import { Api } from './api';
import { Backup } from './backup';
import { Compute } from './compute';
import { Data } from './data';
import { Keys } from './keys';
import { Storage } from './storage';
import { stateMachineArns, Workflow } from './workflow';

export interface CaselineStackProps extends StackProps {
  /**
   * E-mail subscribed to operator alerts.
   * @default - none
   */
  readonly operatorEmail?: string;
}

export class CaselineStack extends Stack {
  public readonly keys: Keys;
  public readonly alerts: Alerts;
  public readonly storage: Storage;
  public readonly data: Data;
  public readonly backup: Backup;
  public readonly compute: Compute;
  public readonly workflow: Workflow;
  public readonly api: Api;

  constructor(scope: Construct, id: string, props: CaselineStackProps = {}) {
    super(scope, id, props);
    this.keys = new Keys(this, 'Keys');
    const phiKey = this.keys.keys.caseData;
    const logKey = this.keys.operations;

    this.alerts = new Alerts(this, 'Alerts', {
      encryptionKey: logKey,
      ...(props.operatorEmail ? { operatorEmail: props.operatorEmail } : {}),
    });
    this.storage = new Storage(this, 'Storage', { encryptionKey: phiKey });
    this.data = new Data(this, 'Data', { encryptionKey: phiKey });
    this.backup = new Backup(this, 'Backup', { encryptionKey: phiKey, tables: Object.values(this.data.tables) });

    this.compute = new Compute(this, 'Compute', {
      logKey,
      resources: {
        tables: this.data.tables,
        buckets: this.storage.buckets,
        keys: this.keys.keys,
        stateMachineArns: stateMachineArns(this),
      },
    });
    this.workflow = new Workflow(this, 'Workflow', {
      taskFunctions: Object.fromEntries(
        Object.entries(this.compute.taskFunctions).map(([fnId, target]) => [fnId, target.function]),
      ),
      logKey,
      alarmTopic: this.alerts.operatorAlerts,
    });
    this.api = new Api(this, 'Api', {
      functions: Object.fromEntries(
        Object.entries(this.compute.functions).map(([fnId, target]) => [fnId, target.function]),
      ),
      logKey,
    });
  }
}
