/**
 * The compliance rule packs every synth runs: AWS Solutions (general best practice) and HIPAA
 * Security (the BAA). cdk-nag 3 plugs into CDK's policy-validation framework, so findings end
 * up in the cloud assembly's validation report and errors fail `cdk synth`.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks, type NagPack } from 'cdk-nag';

export const registerCompliancePacks = (app: App): readonly NagPack[] => {
  // Acknowledgements are also written into each resource's template Metadata (cdk_nag), so the
  // deployed template itself shows an auditor which rule was waived on which resource and why.
  const packs = [
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
    new HIPAASecurityChecks(app, { writeSuppressionsToCloudFormation: true }),
  ];
  Validations.of(app).addPlugins(...packs);
  return packs;
};
