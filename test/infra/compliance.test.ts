/**
 * cdk-nag 3 (AWS Solutions + HIPAA Security) runs as a CDK validation plugin on every synthesis.
 * Its findings land in the cloud assembly's validation report (what `cdk synth` prints), and
 * errors make an in-memory synthesis throw. These tests read that same report, so a finding
 * nobody acknowledged fails here, warnings included.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it, vi } from 'vitest';
import { synthesize } from './synth';

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement recorded in the construct tree (Validations.acknowledge writes metadata). */
const acknowledgementsIn = (app: App): Acknowledgement[] => {
  const out: Acknowledgement[] = [];
  const walk = (node: IConstruct) => {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, string>)) {
        out.push({ path: node.node.path, id: key.replace(/^annotation::/i, ''), reason });
      }
    }
    for (const child of node.node.children) walk(child);
  };
  walk(app);
  return out;
};

describe('cdk-nag', () => {
  it('reports nothing unacknowledged: synthesis passes and the validation report is empty', () => {
    // Act
    const { synthError, violations } = synthesize();

    // Assess: the findings first, so a failure names the rule and the construct.
    expect(violations).toEqual([]);
    expect(synthError).toBeUndefined();
  });

  it('is live: a deliberately non-compliant bucket fails synthesis and shows up in the report', () => {
    // Prepare: what a careless change would add.
    const configure = (stack: IConstruct) => {
      new Bucket(stack, 'DeliberatelyPublic', {
        blockPublicAccess: new BlockPublicAccess({
          blockPublicAcls: false,
          blockPublicPolicy: false,
          ignorePublicAcls: false,
          restrictPublicBuckets: false,
        }),
        encryption: BucketEncryption.S3_MANAGED,
      });
    };

    // Act
    const { synthError, violations, pluginNames } = synthesize({ configure });

    // Assess
    expect(synthError).toBeInstanceOf(Error);
    expect(pluginNames).toEqual(expect.arrayContaining(['AwsSolutions', 'HIPAA.Security']));
    const onBucket = violations.filter((v) =>
      v.constructPaths.includes('Caseline/DeliberatelyPublic/Resource'),
    );
    expect(onBucket.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining([
        'AwsSolutions-S1',
        'AwsSolutions-S2',
        'AwsSolutions-S10',
        'HIPAA.Security-S3BucketLevelPublicAccessProhibited',
        'HIPAA.Security-S3DefaultEncryptionKMS',
      ]),
    );
    // Nothing else in the stack was affected by the addition.
    expect(
      violations.filter((v) => !v.constructPaths.includes('Caseline/DeliberatelyPublic/Resource')),
    ).toEqual([]);
  });

  it('every acknowledgement answers a real finding on its construct and gives a reason', () => {
    // Prepare: the acknowledgements as the app records them…
    const acknowledged = acknowledgementsIn(synthesize().app);
    expect(acknowledged.length).toBeGreaterThan(0);

    // …and the raw findings of the same app with acknowledgements switched off.
    const spy = vi.spyOn(Validations.prototype, 'acknowledge').mockImplementation(() => undefined);
    let findings: { ruleName: string; path: string }[];
    try {
      const { app } = synthesize();
      findings = [new AwsSolutionsChecks(), new HIPAASecurityChecks()].flatMap((pack) =>
        pack
          .validateScope(app)
          .violations.flatMap((v) =>
            v.violatingResources.map((r) => ({ ruleName: v.ruleName, path: r.constructPath ?? '' })),
          ),
      );
    } finally {
      spy.mockRestore();
    }

    // Assess: no stale or misspelt acknowledgement, none without a real reason.
    for (const ack of acknowledged) {
      const answered = findings.some(
        (f) => f.ruleName === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)),
      );
      expect(answered, `${ack.id} on ${ack.path} matches no finding`).toBe(true);
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThan(40);
    }
  });
});
