/**
 * Caseline on AWS. This stack only composes: every resource is built by the construct of its
 * concern, from common/definitions.ts and lib/functions.ts.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Alerts } from './alerts';
import { Api } from './api';
import { Backup } from './backup';
import { Compute } from './compute';
import { Console } from './console';
import { Data } from './data';
import { FUNCTIONS, type FunctionDefinition, routesOf } from './functions';
import { Keys } from './keys';
import { Schedules } from './schedules';
import { SecuritySignals } from './security-signals';
import { Storage } from './storage';
import { stateMachineArns, Workflow } from './workflow';

export interface CaselineStackProps extends StackProps {
  /**
   * E-mail subscribed to operator alerts.
   * @default - none
   */
  readonly operatorEmail?: string;
  /**
   * The function catalogue to deploy.
   * @default FUNCTIONS (lib/functions.ts)
   */
  readonly catalogue?: readonly FunctionDefinition[];
}

export class CaselineStack extends Stack {
  public readonly keys: Keys;
  public readonly alerts: Alerts;
  public readonly storage: Storage;
  public readonly data: Data;
  public readonly backup: Backup;
  public readonly compute: Compute;
  public readonly workflow: Workflow;
  public readonly schedules: Schedules;
  public readonly api: Api;
  public readonly console: Console;
  /** Absent when the catalogue has no `securitySignal` function. */
  public readonly securitySignals?: SecuritySignals;

  constructor(scope: Construct, id: string, props: CaselineStackProps = {}) {
    // The template nears CloudFormation's 1 MB (about 850 KB indented with the incident functions):
    // written without indentation it is a third smaller, and nothing reads it by eye.
    super(scope, id, { suppressTemplateIndentation: true, ...props });
    this.keys = new Keys(this, 'Keys');
    const phiKey = this.keys.keys.caseData;
    const logKey = this.keys.operations;

    this.alerts = new Alerts(this, 'Alerts', {
      encryptionKey: logKey,
      ...(props.operatorEmail ? { operatorEmail: props.operatorEmail } : {}),
    });
    this.storage = new Storage(this, 'Storage', { encryptionKey: phiKey });
    this.data = new Data(this, 'Data', { encryptionKey: phiKey });
    this.backup = new Backup(this, 'Backup', {
      encryptionKey: phiKey,
      tables: Object.values(this.data.tables),
    });

    this.compute = new Compute(this, 'Compute', {
      logKey,
      ...(props.catalogue ? { catalogue: props.catalogue } : {}),
      resources: {
        tables: this.data.tables,
        buckets: this.storage.buckets,
        keys: this.keys.keys,
        stateMachineArns: stateMachineArns(this),
        topics: this.alerts.topics,
      },
    });
    this.workflow = new Workflow(this, 'Workflow', {
      taskFunctions: Object.fromEntries(
        Object.entries(this.compute.taskFunctions).map(([fnId, target]) => [fnId, target.function]),
      ),
      logKey,
      alarmTopic: this.alerts.topics.operatorAlerts,
    });
    const functions = Object.fromEntries(
      Object.entries(this.compute.functions).map(([fnId, target]) => [fnId, target.function]),
    );
    this.schedules = new Schedules(this, 'Schedules', {
      functions,
      alarmTopic: this.alerts.topics.operatorAlerts,
      ...(props.catalogue ? { catalogue: props.catalogue } : {}),
    });
    this.api = new Api(this, 'Api', {
      functions,
      logKey,
      ...(props.catalogue ? { routes: routesOf(props.catalogue) } : {}),
    });
    this.compute.bindUserPool(this.api.userPool);
    this.console = new Console(this, 'Console', {
      httpApi: this.api.httpApi,
      caseFiles: this.storage.buckets.caseFiles,
      accessLogs: this.storage.accessLogs,
      hostedUi: this.api.hostedUi,
      client: this.api.consoleClient,
    });
    this.api.setConsoleUrl(`${this.console.url}/`);

    const signalFunction = this.compute.functions.securitySignal;
    if (signalFunction) {
      this.securitySignals = new SecuritySignals(this, 'SecuritySignals', {
        target: signalFunction.function,
        caseFiles: this.storage.buckets.caseFiles,
        buckets: [...Object.values(this.storage.buckets), this.storage.accessLogs],
        // Whoever may shred an account's key (termination, the purge sweep finishing one).
        keyShredderRoles: (props.catalogue ?? FUNCTIONS)
          .filter((f) => f.access.accountKeys?.includes('shred'))
          .flatMap((f) => {
            const made = this.compute.functions[f.id];
            return made ? [made.role] : [];
          }),
      });
    }
  }
}
