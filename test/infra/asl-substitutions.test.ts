/**
 * The ASL files are shared with the local stack and loaded on AWS with `definitionSubstitutions`:
 * a `${Placeholder}` without a substitution reaches Step Functions literally (and fails at run
 * time); a substitution without a placeholder is a task the workflow forgot. Both sides must match.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { STATE_MACHINES } from '../../common/definitions';
import type { CaselineStack } from '../../lib/caseline-stack';
import { FUNCTIONS, functionArnPlaceholder } from '../../lib/functions';
import { synthesize } from './synth';
import { logicalIdOf, referencedIds, resource, type TemplateJson } from './template-helpers';

const STATE_MACHINES_DIR = fileURLToPath(new URL('../../statemachines/', import.meta.url));
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

const placeholdersIn = (file: string): string[] => {
  const text = readFileSync(join(STATE_MACHINES_DIR, file), 'utf8');
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))].sort();
};

let stack: CaselineStack;
let json: TemplateJson;

beforeAll(() => {
  const synthesized = synthesize();
  if (!synthesized.template) throw synthesized.synthError;
  stack = synthesized.stack;
  json = synthesized.template.toJSON() as TemplateJson;
});

describe('ASL placeholders and DefinitionSubstitutions', () => {
  it('every statemachines/*.asl.json file is deployed by a STATE_MACHINES entry', () => {
    const files = readdirSync(STATE_MACHINES_DIR).filter((f) => f.endsWith('.asl.json'));
    expect(files.length).toBeGreaterThan(0);
    expect(files.sort()).toEqual(
      Object.values(STATE_MACHINES)
        .map((d) => d.file)
        .sort(),
    );
  });

  it.each(Object.values(STATE_MACHINES))('$file is valid JSON with a start state', (definition) => {
    const asl = JSON.parse(readFileSync(join(STATE_MACHINES_DIR, definition.file), 'utf8')) as {
      StartAt: string;
      States: Record<string, unknown>;
    };
    expect(asl.States).toHaveProperty(asl.StartAt);
  });

  it.each(Object.values(STATE_MACHINES))(
    '$file: placeholders and substitutions are the same set',
    (definition) => {
      const machine = resource(json, logicalIdOf(stack.workflow.stateMachines[definition.id]));
      const substitutions = Object.keys((machine.Properties?.DefinitionSubstitutions ?? {}) as object).sort();
      const placeholders = placeholdersIn(definition.file);

      expect(placeholders.length).toBeGreaterThan(0);
      expect(substitutions).toEqual(placeholders);
    },
  );

  it.each(Object.values(STATE_MACHINES))(
    '$file: each function placeholder resolves to that task function’s ARN',
    (definition) => {
      const machine = resource(json, logicalIdOf(stack.workflow.stateMachines[definition.id]));
      const substitutions = (machine.Properties?.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
      const named = placeholdersIn(definition.file);
      for (const fn of FUNCTIONS.filter((f) => f.task && named.includes(functionArnPlaceholder(f.id)))) {
        const target = stack.compute.functions[fn.id];
        if (!target) throw new Error(`task ${fn.id} is not deployed`);
        expect(substitutions[functionArnPlaceholder(fn.id)], fn.id).toEqual({
          'Fn::GetAtt': [logicalIdOf(target.function), 'Arn'],
        });
      }
    },
  );

  it.each(Object.values(STATE_MACHINES))(
    '$file: the execution role may invoke exactly the task functions its definition names',
    (definition) => {
      const machine = resource(json, logicalIdOf(stack.workflow.stateMachines[definition.id]));
      const [roleId] = [...referencedIds(machine.Properties?.RoleArn)];
      const role = resource(json, roleId ?? '');
      const invokable = new Set<string>();
      for (const policyId of referencedIds(role.Properties?.ManagedPolicyArns)) {
        const doc = resource(json, policyId).Properties?.PolicyDocument as {
          Statement: { Action: string | string[]; Resource: unknown }[];
        };
        for (const statement of doc.Statement) {
          if ([statement.Action].flat().includes('lambda:InvokeFunction')) {
            for (const id of referencedIds(statement.Resource)) invokable.add(id);
          }
        }
      }
      const named = placeholdersIn(definition.file);
      const tasks = FUNCTIONS.filter((f) => f.task && named.includes(functionArnPlaceholder(f.id))).map(
        (f) => {
          const target = stack.compute.functions[f.id];
          if (!target) throw new Error(`task ${f.id} is not deployed`);
          return logicalIdOf(target.function);
        },
      );
      expect([...invokable].sort()).toEqual(tasks.sort());
    },
  );
});
