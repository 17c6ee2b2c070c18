/**
 * Daily backups of the tables, kept 14 days (seed 000), in a vault of our own encrypted with the
 * case-data key. PITR gives minute-level restores inside the same window; the vault adds copies
 * that survive a deleted table and that no one can delete early.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { BACKUP_RETENTION_DAYS } from './secure-defaults';

export interface BackupProps {
  /** Backups hold PHI: the vault uses the case-data key. */
  readonly encryptionKey: IKey;
  readonly tables: readonly ITable[];
}

export class Backup extends Construct {
  public readonly vault: BackupVault;
  public readonly plan: BackupPlan;

  constructor(scope: Construct, id: string, props: BackupProps) {
    super(scope, id);
    this.vault = new BackupVault(this, 'vault', {
      encryptionKey: props.encryptionKey,
      // Recovery points expire on schedule and cannot be deleted early by hand (ransomware, mistakes).
      blockRecoveryPointDeletion: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.plan = new BackupPlan(this, 'plan', {
      backupVault: this.vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'daily',
          scheduleExpression: Schedule.cron({ hour: '3', minute: '0' }),
          deleteAfter: Duration.days(BACKUP_RETENTION_DAYS),
        }),
      ],
    });
    const selection = this.plan.addSelection('tables', {
      resources: props.tables.map((table) => BackupResource.fromDynamoDbTable(table)),
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        'The AWS Backup service role policy is maintained by AWS for exactly this use (it follows new resource ' +
        'types and KMS needs); the role can only be assumed by backup.amazonaws.com.',
    });
  }
}
