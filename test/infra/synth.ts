/**
 * Synthesizes the Caseline app the way `cdk synth` does (same feature flags from cdk.json, same
 * rule packs), except that Lambda bundling is skipped to keep infrastructure tests fast: asset
 * code is not what these tests look at.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { CaselineStack, type CaselineStackProps } from '../../lib/caseline-stack';
import { registerCompliancePacks } from '../../lib/compliance';

const CDK_JSON = fileURLToPath(new URL('../../cdk.json', import.meta.url));

export interface Violation {
  readonly plugin: string;
  readonly ruleName: string;
  readonly severity: string;
  readonly constructPaths: readonly string[];
}

export interface Synthesized {
  readonly app: App;
  readonly stack: CaselineStack;
  /** Undefined when synthesis threw (validation errors make it throw, in-memory apps only). */
  readonly template: Template | undefined;
  readonly synthError: unknown;
  /** Every finding the validation plugins left unacknowledged, warnings included. */
  readonly violations: readonly Violation[];
  readonly pluginNames: readonly string[];
}

/** The shape of cdk.out/validation-report.json, as far as these tests read it. */
interface ReportJson {
  readonly pluginReports?: readonly {
    readonly pluginName?: string;
    readonly violations?: readonly {
      readonly ruleName: string;
      readonly severity?: string;
      readonly violatingConstructs?: readonly { readonly constructPath?: string }[];
    }[];
  }[];
}

export interface SynthesizeOptions {
  /** Adds to the stack before synthesis (e.g. a deliberately non-compliant resource). */
  readonly configure?: (stack: CaselineStack) => void;
  /** @default FUNCTIONS */
  readonly catalogue?: CaselineStackProps['catalogue'];
  /** @default { region: 'us-east-1' } (no account: environment-agnostic, as offline `cdk synth`) */
  readonly env?: CaselineStackProps['env'];
  /** Context on top of cdk.json's, as `cdk synth -c key=value` gives it. */
  readonly context?: Readonly<Record<string, unknown>>;
}

export const synthesize = (options: SynthesizeOptions = {}): Synthesized => {
  const { context } = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ context: { ...context, ...options.context, 'aws:cdk:bundling-stacks': [] } });
  registerCompliancePacks(app);
  const stack = new CaselineStack(app, 'Caseline', {
    env: options.env ?? { region: 'us-east-1' },
    ...(options.catalogue ? { catalogue: options.catalogue } : {}),
  });
  options.configure?.(stack);

  let template: Template | undefined;
  let synthError: unknown;
  try {
    template = Template.fromStack(stack);
  } catch (error) {
    synthError = error;
  }
  const reportPath = join(app.outdir, VALIDATION_REPORT_FILE);
  const report: ReportJson = existsSync(reportPath) ? JSON.parse(readFileSync(reportPath, 'utf8')) : {};
  return { app, stack, template, synthError, ...readViolations(report) };
};

const readViolations = (report: ReportJson) => {
  const pluginNames: string[] = [];
  const violations: Violation[] = [];
  for (const pluginReport of report.pluginReports ?? []) {
    const plugin = pluginReport.pluginName ?? 'unknown';
    pluginNames.push(plugin);
    for (const v of pluginReport.violations ?? []) {
      violations.push({
        plugin,
        ruleName: v.ruleName,
        severity: v.severity ?? 'unknown',
        constructPaths: (v.violatingConstructs ?? []).map((c) => c.constructPath ?? '?'),
      });
    }
  }
  return { pluginNames, violations };
};
