/**
 * The CDK app: one Caseline stack, checked by the AWS Solutions and HIPAA Security rule packs.
 * Synthesizes offline with no credentials; `cdk deploy` needs an account.
 */
import { App } from 'aws-cdk-lib';
import { CaselineStack } from '../lib/caseline-stack';
import { registerCompliancePacks } from '../lib/compliance';

/** Data stays in the owner's region: the one the deployer's profile names, else us-east-1. */
const DEFAULT_REGION = 'us-east-1';

const app = new App();
registerCompliancePacks(app);

const operatorEmail = app.node.tryGetContext('caseline:operatorEmail') as string | undefined;
new CaselineStack(app, 'Caseline', {
  description: 'Caseline: order pipeline of an outsourced dental CAD design service (HIPAA/GDPR).',
  env: {
    ...(process.env.CDK_DEFAULT_ACCOUNT ? { account: process.env.CDK_DEFAULT_ACCOUNT } : {}),
    region: process.env.CDK_DEFAULT_REGION ?? DEFAULT_REGION,
  },
  ...(operatorEmail ? { operatorEmail } : {}),
});
