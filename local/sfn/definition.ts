/**
 * Turns a deployable ASL definition into the copy aws-local-stepfunctions runs, and refuses, at start-up and
 * with the state's name, everything the library would get silently wrong. The caller's definition is never
 * modified; DescribeStateMachine keeps returning the original.
 *
 * What the copy changes, and why:
 * - `$$.Task.Token`: the library's context object is fixed for a whole run, so it cannot hold a token per Task.
 *   In `.waitForTaskToken` states every `"key.$": "$$.Task.Token"` becomes `"key": <placeholder>`, and the Task
 *   handler swaps the placeholder for a fresh token before it invokes the function.
 * - Task timeouts: the library defaults a Task without `TimeoutSeconds` to 60 s (AWS: no practical limit), which
 *   would time out every task that waits for a person. Such Tasks get the longest timer Node can hold.
 * - Timers beyond 2^31-1 ms: Node fires them after 1 ms (TimeoutOverflowWarning), so a 30-day Wait would not
 *   wait at all. Static `Seconds` / `TimeoutSeconds` are clamped to ~24.8 days, which locally means "forever".
 * - `States.HeartbeatTimeout`: on AWS a heartbeat timeout matches both `States.HeartbeatTimeout` and
 *   `States.Timeout`; the library compares one error name. The handler throws `States.HeartbeatTimeout`, and
 *   every Catch of that state that lists `States.Timeout` also gets `States.HeartbeatTimeout`.
 * - The top-level `TimeoutSeconds`, and each Task's `Retry` and `TimeoutSeconds`, move out of the copy: the server runs a Task's attempts,
 *   its retry counters and its deadlines itself (on the stack's clock), so they can be persisted and resumed
 *   after a restart. The library only ever sees a Task's final outcome.
 */

export const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
export const LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const LAMBDA_FUNCTION_ARN =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/;
const TASK_TOKEN_PATH = '$$.Task.Token';

/** setTimeout's ceiling (2^31-1 ms) in whole seconds. */
export const MAX_TIMER_SECONDS = 2_147_483;
export const HEARTBEAT_TIMEOUT_ERROR = 'States.HeartbeatTimeout';

/**
 * Fields the library ignores without a word (JSONata, variables, distributed-map readers and writers,
 * cross-account credentials): a definition using them would run, wrongly.
 */
const UNSUPPORTED_FIELDS = [
  'Arguments',
  'Output',
  'Assign',
  'Items',
  'ItemReader',
  'ItemBatcher',
  'ResultWriter',
  'Credentials',
];

export type TaskKind = 'lambda:invoke' | 'lambda:invoke.waitForTaskToken' | 'lambda:function';

/** A Task's Retry entry with AWS's defaults filled in. */
export interface Retrier {
  errorEquals: string[];
  intervalSeconds: number;
  maxAttempts: number;
  backoffRate: number;
  maxDelaySeconds?: number;
  jitter: 'FULL' | 'NONE';
}

export interface TaskSpec {
  stateName: string;
  /** In the machine's top-level States (not inside a Parallel branch or a Map): its position can be resumed. */
  topLevel: boolean;
  kind: TaskKind;
  retry: Retrier[];
  /** ErrorEquals of each Catch entry, in order. */
  catchEquals: string[][];
  /** The Resource string as written. */
  resource: string;
  /** Only for `.waitForTaskToken` states. */
  heartbeatSeconds?: number;
  /** Static TimeoutSeconds, when the state has one. */
  timeoutSeconds?: number;
}

export interface PreparedDefinition {
  /** The copy to hand to the library. */
  runnable: Record<string, unknown>;
  /** Task states by name: the library maps local handlers by state name, not by Resource. */
  tasks: ReadonlyMap<string, TaskSpec>;
  /** Types of the top-level states, by name: the positions an execution can be resumed from. */
  topLevelStates: ReadonlyMap<string, string>;
  /** The top-level TimeoutSeconds as written, if any. */
  timeoutSeconds?: number;
}

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * @param tokenPlaceholder a string no real input can contain; the server replaces it with the task token.
 */
export function prepareDefinition(
  machineName: string,
  definition: object,
  tokenPlaceholder: string,
): PreparedDefinition {
  const runnable = structuredClone(definition) as JsonObject;
  const tasks = new Map<string, TaskSpec>();
  const fail = (where: string, why: string): never => {
    throw new Error(`state machine ${machineName}: ${where}: ${why}`);
  };

  const topLevelStates = new Map<string, string>();
  const walk = (machine: unknown, where: string): void => {
    const topLevel = where === 'definition';
    if (!isObject(machine) || !isObject(machine.States)) fail(where, 'States must be an object');
    const m = machine as JsonObject & { States: JsonObject };
    if (m.QueryLanguage === 'JSONata')
      fail(where, 'JSONata is not supported locally (the library ignores it); use JSONPath');
    for (const [stateName, state] of Object.entries(m.States)) {
      if (!isObject(state)) fail(stateName, 'state must be an object');
      const s = state as JsonObject;
      if (s.QueryLanguage === 'JSONata') fail(stateName, 'JSONata is not supported locally; use JSONPath');
      if (topLevel) topLevelStates.set(stateName, String(s.Type));
      for (const field of UNSUPPORTED_FIELDS) {
        if (field in s) fail(stateName, `field ${field} is not supported by the local Step Functions`);
      }
      switch (s.Type) {
        case 'Task':
          if (tasks.has(stateName)) {
            fail(
              stateName,
              'Task state names must be unique across the state machine (local handlers are keyed by name)',
            );
          }
          tasks.set(stateName, prepareTask(stateName, topLevel, s, tokenPlaceholder, fail));
          break;
        case 'Wait':
          if (typeof s.Seconds === 'number' && s.Seconds > MAX_TIMER_SECONDS) s.Seconds = MAX_TIMER_SECONDS;
          break;
        case 'Parallel':
          if (!Array.isArray(s.Branches)) fail(stateName, 'Branches must be an array');
          for (const [i, branch] of (s.Branches as unknown[]).entries())
            walk(branch, `${stateName}.Branches[${i}]`);
          break;
        case 'Map':
          walk(s.ItemProcessor ?? s.Iterator, `${stateName}.ItemProcessor`);
          break;
      }
    }
  };

  walk(runnable, 'definition');
  // The execution's TimeoutSeconds is the server's to enforce, on the stack's clock from the execution's start.
  const timeoutSeconds = typeof runnable.TimeoutSeconds === 'number' ? runnable.TimeoutSeconds : undefined;
  delete runnable.TimeoutSeconds;
  // Whatever reference is left was not a plain path in a .waitForTaskToken state (an intrinsic, a Pass state):
  // the library would fail it at run time with a confusing States.Runtime, so say so now.
  if (JSON.stringify(runnable).includes(TASK_TOKEN_PATH)) {
    fail(
      'definition',
      `${TASK_TOKEN_PATH} is only supported locally as a plain "key.$" path in the Parameters of a .waitForTaskToken Task`,
    );
  }
  return { runnable, tasks, topLevelStates, ...(timeoutSeconds !== undefined && { timeoutSeconds }) };
}

function prepareTask(
  stateName: string,
  topLevel: boolean,
  state: JsonObject,
  tokenPlaceholder: string,
  fail: (where: string, why: string) => never,
): TaskSpec {
  const resource = state.Resource;
  if (typeof resource !== 'string') return fail(stateName, 'Resource must be a string');
  let kind: TaskKind;
  if (resource === LAMBDA_INVOKE) kind = 'lambda:invoke';
  else if (resource === LAMBDA_INVOKE_WAIT_FOR_TASK_TOKEN) kind = 'lambda:invoke.waitForTaskToken';
  else if (LAMBDA_FUNCTION_ARN.test(resource)) kind = 'lambda:function';
  // Anything else the library would try to call on real AWS (and hang for seconds offline).
  else
    return fail(
      stateName,
      `Resource ${resource} is not supported locally (use ${LAMBDA_INVOKE}[.waitForTaskToken])`,
    );

  const spec: TaskSpec = {
    stateName,
    topLevel,
    kind,
    resource,
    retry: prepareRetry(stateName, state, fail),
    catchEquals: Array.isArray(state.Catch)
      ? state.Catch.map((c: unknown) =>
          isObject(c) && Array.isArray(c.ErrorEquals) ? c.ErrorEquals.map(String) : [],
        )
      : [],
  };
  if (kind !== 'lambda:function') {
    const params = state.Parameters;
    if (!isObject(params) || !('FunctionName' in params || 'FunctionName.$' in params)) {
      fail(stateName, 'Parameters.FunctionName is required for lambda:invoke');
    }
  }
  if (kind === 'lambda:invoke.waitForTaskToken') {
    if (replaceTokenPaths(state.Parameters, tokenPlaceholder) === 0) {
      fail(stateName, `a .waitForTaskToken Task must pass "${TASK_TOKEN_PATH}" in its Parameters`);
    }
    if ('HeartbeatSecondsPath' in state) fail(stateName, 'HeartbeatSecondsPath is not supported locally');
    if (typeof state.HeartbeatSeconds === 'number') {
      spec.heartbeatSeconds = Math.min(state.HeartbeatSeconds, MAX_TIMER_SECONDS);
      addHeartbeatToTimeoutMatchers(state);
    }
  }
  // The server measures TimeoutSeconds on the stack's clock and persists the deadline; a path would be evaluated
  // by the library, on its own timer, around all attempts at once.
  if ('TimeoutSecondsPath' in state) fail(stateName, 'TimeoutSecondsPath is not supported locally');
  if (typeof state.TimeoutSeconds === 'number') spec.timeoutSeconds = state.TimeoutSeconds;
  state.TimeoutSeconds = MAX_TIMER_SECONDS;
  return spec;
}

/** Takes Retry out of the library's copy (the server runs the attempts) and fills in AWS's defaults. */
function prepareRetry(
  stateName: string,
  state: JsonObject,
  fail: (where: string, why: string) => never,
): Retrier[] {
  const rules = state.Retry;
  delete state.Retry;
  if (rules === undefined) return [];
  if (!Array.isArray(rules)) return fail(stateName, 'Retry must be an array');
  const num = (rule: JsonObject, field: string, fallback: number): number => {
    const v = rule[field];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      return fail(stateName, `Retry.${field} must be a number >= 0`);
    return v;
  };
  return rules.map((rule: unknown) => {
    if (
      !isObject(rule) ||
      !Array.isArray(rule.ErrorEquals) ||
      !rule.ErrorEquals.every((e) => typeof e === 'string')
    ) {
      return fail(stateName, 'every Retry entry needs ErrorEquals, a list of error names');
    }
    const maxDelay = rule.MaxDelaySeconds === undefined ? undefined : num(rule, 'MaxDelaySeconds', 0);
    return {
      errorEquals: rule.ErrorEquals as string[],
      intervalSeconds: num(rule, 'IntervalSeconds', 1),
      maxAttempts: num(rule, 'MaxAttempts', 3),
      backoffRate: num(rule, 'BackoffRate', 2),
      ...(maxDelay !== undefined && { maxDelaySeconds: maxDelay }),
      jitter: rule.JitterStrategy === 'FULL' ? 'FULL' : 'NONE',
    };
  });
}

/** Rewrites `"k.$": "$$.Task.Token"` to `"k": placeholder` in place, at any depth; returns how many it rewrote. */
function replaceTokenPaths(node: unknown, placeholder: string): number {
  if (Array.isArray(node))
    return node.reduce<number>((n, item) => n + replaceTokenPaths(item, placeholder), 0);
  if (!isObject(node)) return 0;
  let count = 0;
  for (const key of Object.keys(node)) {
    const value = node[key];
    if (key.endsWith('.$') && value === TASK_TOKEN_PATH) {
      delete node[key];
      node[key.slice(0, -2)] = placeholder;
      count++;
    } else {
      count += replaceTokenPaths(value, placeholder);
    }
  }
  return count;
}

function addHeartbeatToTimeoutMatchers(state: JsonObject): void {
  // Retry is matched by the server itself (it knows a heartbeat timeout is a States.Timeout).
  for (const field of ['Catch']) {
    const rules = state[field];
    if (!Array.isArray(rules)) continue;
    for (const rule of rules) {
      if (!isObject(rule) || !Array.isArray(rule.ErrorEquals)) continue;
      const names = rule.ErrorEquals as unknown[];
      if (names.includes('States.Timeout') && !names.includes(HEARTBEAT_TIMEOUT_ERROR))
        names.push(HEARTBEAT_TIMEOUT_ERROR);
    }
  }
}
