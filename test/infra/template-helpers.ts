/**
 * Reading a synthesized template the way the assertions need it: resources by construct, the
 * permission statements a function's role really carries, references to a resource's ARN.
 */
import { CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface CfnResourceJson {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface TemplateJson {
  readonly Resources: Record<string, CfnResourceJson>;
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, unknown>;
}

/** The logical id of an L2 construct's main resource (or of an L1 passed directly). */
export const logicalIdOf = (construct: IConstruct): string => {
  const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (!element || !CfnElement.isCfnElement(element))
    throw new Error(`${construct.node.path} has no CfnElement`);
  return Stack.of(element).resolve(element.logicalId) as string;
};

export const resource = (template: TemplateJson, logicalId: string): CfnResourceJson => {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`No resource ${logicalId} in the template`);
  return found;
};

export const resourcesOfType = (template: TemplateJson, type: string): [string, CfnResourceJson][] =>
  Object.entries(template.Resources).filter(([, r]) => r.Type === type);

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOfStatement = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];

/** Every logical id a JSON value refers to with Ref or Fn::GetAtt, however deeply nested. */
export const referencedIds = (value: unknown): Set<string> => {
  const ids = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const item of v) walk(item);
    } else if (v && typeof v === 'object') {
      for (const [key, inner] of Object.entries(v)) {
        if (key === 'Ref' && typeof inner === 'string') ids.add(inner);
        else if (key === 'Fn::GetAtt' && Array.isArray(inner) && typeof inner[0] === 'string')
          ids.add(inner[0]);
        else walk(inner);
      }
    }
  };
  walk(value);
  return ids;
};

/** Every Allow and Deny statement of every identity policy in the template, with where it lives. */
export const allIdentityStatements = (template: TemplateJson): { owner: string; statement: Statement }[] => {
  const out: { owner: string; statement: Statement }[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const documents: unknown[] = [];
    if (r.Type === 'AWS::IAM::ManagedPolicy' || r.Type === 'AWS::IAM::Policy') {
      documents.push(r.Properties?.PolicyDocument);
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const inline of (r.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) {
        documents.push(inline.PolicyDocument);
      }
    }
    for (const doc of documents) {
      for (const statement of (doc as { Statement?: Statement[] } | undefined)?.Statement ?? []) {
        out.push({ owner: id, statement });
      }
    }
  }
  return out;
};

/**
 * The statements a Lambda function's execution role carries: its managed policies, any policy
 * attached to the role, and inline policies. Whatever the construct code intended, this is what
 * IAM will evaluate.
 */
export const statementsOfFunction = (template: TemplateJson, functionLogicalId: string): Statement[] => {
  const fn = resource(template, functionLogicalId);
  const [roleId] = [...referencedIds(fn.Properties?.Role)];
  if (!roleId) throw new Error(`${functionLogicalId} has no role`);
  const role = resource(template, roleId);
  const statements: Statement[] = [];
  const policyIds = referencedIds(role.Properties?.ManagedPolicyArns);
  for (const [id, r] of Object.entries(template.Resources)) {
    const attachedToRole =
      (r.Type === 'AWS::IAM::ManagedPolicy' &&
        (policyIds.has(id) || referencedIds(r.Properties?.Roles).has(roleId))) ||
      (r.Type === 'AWS::IAM::Policy' && referencedIds(r.Properties?.Roles).has(roleId));
    if (attachedToRole) {
      statements.push(...at<Statement[]>(r, 'PolicyDocument.Statement'));
    }
  }
  for (const inline of (role.Properties?.Policies as
    | { PolicyDocument: { Statement: Statement[] } }[]
    | undefined) ?? []) {
    statements.push(...inline.PolicyDocument.Statement);
  }
  return statements;
};

/** ARNs of AWS-managed policies (arn:…:iam::aws:policy/…) attached to a role. */
export const awsManagedPolicyArns = (role: CfnResourceJson): string[] =>
  JSON.stringify(role.Properties?.ManagedPolicyArns ?? []).match(/iam::aws:policy\/[\w/-]+/g) ?? [];

/** The value at a dotted path inside a resource's Properties; a missing step fails with the path. */
export const at = <T>(r: CfnResourceJson | undefined, path: string): T => {
  let value: unknown = r?.Properties;
  for (const step of path.split('.')) {
    if (value === null || typeof value !== 'object' || !(step in value)) {
      throw new Error(`Properties.${path} is missing (stopped at ${step})`);
    }
    value = (value as Record<string, unknown>)[step];
  }
  return value as T;
};
