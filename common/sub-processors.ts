/**
 * The sub-processors Caseline engages for a partner's data (GDPR Art 28(2)/(4), Art 30(2)(d);
 * the DPA's clause 7 and Appendix B, seed 003): the one list, plain data. The record of processing
 * (lambdas/domain/processing-record.ts, GET /accounts/{accountId}/processing-record, and every
 * audit export) reads it here, so a change to it is a reviewed change to this file, and the
 * 14-day notice the DPA asks for starts from the commit that makes it.
 *
 * `region`: STACK is the AWS region the stack is deployed in (the record fills in the name; data
 * stays there, bin/caseline.ts); DESIGNER_COUNTRIES is the countries the account's designers work
 * from, which the record lists under transfers for the range asked.
 */

export type SubProcessorRegion = 'STACK' | 'DESIGNER_COUNTRIES';

export interface SubProcessor {
  /** Stable id, kebab-case. */
  readonly id: string;
  readonly name: string;
  /** The service, or services, engaged. */
  readonly services: readonly string[];
  /** What it does with the partner's data. */
  readonly purpose: string;
  /** The data it holds or sees: PHI, personal data (not PHI), or ids and codes only. */
  readonly data: 'PHI' | 'personal data' | 'ids and codes only';
  readonly region: SubProcessorRegion;
}

const AWS = 'Amazon Web Services';

export const SUB_PROCESSORS: readonly SubProcessor[] = [
  {
    id: 'aws-storage',
    name: AWS,
    services: ['Amazon S3', 'Amazon DynamoDB', 'AWS Backup'],
    purpose: 'Stores case files, order records (PHI fields encrypted), the audit trail and their backups.',
    data: 'PHI',
    region: 'STACK',
  },
  {
    id: 'aws-compute',
    name: AWS,
    services: ['AWS Lambda', 'AWS Step Functions', 'Amazon API Gateway', 'Amazon EventBridge Scheduler'],
    purpose: 'Runs the API, the order workflow and the scheduled sweeps that process the orders.',
    data: 'PHI',
    region: 'STACK',
  },
  {
    id: 'aws-kms',
    name: AWS,
    services: ['AWS KMS'],
    purpose: "Holds the account's own key and the keys that sign certificates and audit digests.",
    data: 'ids and codes only',
    region: 'STACK',
  },
  {
    id: 'aws-cognito',
    name: AWS,
    services: ['Amazon Cognito'],
    purpose: "Signs in the partner's users (names and e-mail addresses).",
    data: 'personal data',
    region: 'STACK',
  },
  {
    id: 'aws-operations',
    name: AWS,
    services: ['Amazon CloudWatch', 'Amazon SNS'],
    purpose: 'Logs, metrics and operator alerts: ids and error names only, never PHI.',
    data: 'ids and codes only',
    region: 'STACK',
  },
  {
    id: 'design-network',
    name: 'Caseline offshore design network',
    services: ['Restoration design by contracted dental designers'],
    purpose:
      "Designers open an order's scans and prescription to design the restoration, through 15-minute links; nothing is copied to their own systems.",
    data: 'PHI',
    region: 'DESIGNER_COUNTRIES',
  },
];
