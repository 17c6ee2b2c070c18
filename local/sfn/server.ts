/**
 * Local stand-in for AWS Step Functions: the real Step Functions wire protocol (AWS JSON 1.0 over HTTP) in front
 * of aws-local-stepfunctions, so SDK clients reach it by changing only their endpoint.
 *
 * All state is in memory: state machines, executions, their history and task tokens live in this process.
 * A restart loses every running execution (nothing resumes it, its tokens become unknown) and the record of
 * finished ones. Callers must treat that like an outage, not rely on it.
 *
 * Task states run the project's functions through `invokeFunction`: `arn:aws:states:::lambda:invoke`
 * (optimised integration: result wrapped as `{ StatusCode, ExecutedVersion, Payload, ... }`),
 * `arn:aws:states:::lambda:invoke.waitForTaskToken` (pending until SendTaskSuccess/SendTaskFailure), and a plain
 * Lambda function ARN (result unwrapped). Anything else is refused when the server starts (see ./definition).
 *
 * It logs nothing: execution input and output may only ever be read back through the API.
 */
import './promise-polyfill';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { HEARTBEAT_TIMEOUT_ERROR, prepareDefinition, type TaskSpec } from './definition';

export type InvokeFunction = (functionName: string, payload: unknown) => Promise<unknown>;

export type ExecutionEndStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface SfnServerOptions {
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  region: string;
  accountId: string;
  /** ASL with DefinitionSubstitutions already applied. */
  stateMachines: ReadonlyArray<{ name: string; definition: object }>;
  /** Called for lambda:invoke and lambda:invoke.waitForTaskToken tasks with Parameters.FunctionName and .Payload. */
  invokeFunction: InvokeFunction;
  /** By state name, in milliseconds (aws-local-stepfunctions semantics). */
  retryIntervalOverrides?: Record<string, number | number[]>;
  /** By state name, in milliseconds. */
  waitTimeOverrides?: Record<string, number>;
  onExecutionEnd?: (e: {
    executionArn: string;
    stateMachineName: string;
    status: ExecutionEndStatus;
    error?: string;
  }) => void;
}

export interface SfnServer {
  endpoint: string;
  stateMachineArn(name: string): string;
  /** Aborts running executions, then stops listening. */
  close(): Promise<void>;
  /** Resolves when no execution is running. */
  idle(): Promise<void>;
}

type Overrides = NonNullable<RunOptions['overrides']>;
type LocalHandler = NonNullable<Overrides['taskResourceLocalHandlers']>[string];
type JsonValue = Parameters<LocalHandler>[0];
type EventLog = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
type Body = Record<string, unknown>;
type Status = 'RUNNING' | ExecutionEndStatus;

/** AWS limits that callers would hit on AWS too. */
const MAX_PAYLOAD_CHARS = 262_144;
const MAX_REQUEST_BYTES = 1024 * 1024;
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;
/** AWS's rules for state machine and execution names: 1-80 characters, no whitespace, brackets, wildcards, ... */
const isValidName = (name: string): boolean =>
  name.length >= 1 &&
  name.length <= 80 &&
  !NAME_FORBIDDEN.test(name) &&
  // ... and no control characters (U+0000-001F, U+007F-009F).
  ![...name].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
  });
const TOKEN_PREFIX = 'AQC';
const TOKEN_RE = /^AQC[A-Za-z0-9_-]{128}$/;
/**
 * The library races a Task against its TimeoutSeconds on its own timer; a token of a timed-out Task is retired
 * a little after that, so the library (which reports the proper States.Timeout) always wins the race.
 */
const TOKEN_RETIRE_GRACE_MS = 1000;

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** What a Task reports to the interpreter: `name` is what Retry/Catch match, `message` becomes the Cause. */
class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/**
 * Thrown into a Task that runs or resumes after its execution ended (stopped, timed out): the interpreter reads
 * these two flags and must neither retry nor catch it, or a stopped execution could invoke functions again.
 */
class StatesRuntimeError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
}

interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

interface Machine {
  name: string;
  arn: string;
  definitionText: string;
  runnable: StateMachine;
  tasks: ReadonlyMap<string, TaskSpec>;
  creationDate: Date;
}

interface Execution {
  arn: string;
  name: string;
  machine: Machine;
  input: string;
  startDate: Date;
  stopDate?: Date;
  status: Status;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEvent[];
  tokens: Set<string>;
  abort: () => void;
  /** Settles when the interpreter's event stream has been read to its end. */
  drained: Promise<void>;
  finished?: Promise<void>;
}

interface PendingTask {
  token: string;
  execution: Execution;
  spec: TaskSpec;
  resolve: (value: JsonValue) => void;
  reject: (error: Error) => void;
  heartbeatTimer?: NodeJS.Timeout;
  retireTimer?: NodeJS.Timeout;
}

const epochSeconds = (d: Date): number => d.getTime() / 1000;

export async function startSfnServer(opts: SfnServerOptions): Promise<SfnServer> {
  const roleArn = `arn:aws:iam::${opts.accountId}:role/local-stepfunctions`;
  const machineArn = (name: string) => `arn:aws:states:${opts.region}:${opts.accountId}:stateMachine:${name}`;
  // A string no caller input can contain, swapped for the real token inside the Task (see ./definition).
  const tokenPlaceholder = `__local_sfn_task_token_${randomUUID()}__`;

  const machines = new Map<string, Machine>();
  for (const { name, definition } of opts.stateMachines) {
    if (!isValidName(name)) throw new Error(`invalid state machine name: ${name}`);
    const arn = machineArn(name);
    if (machines.has(arn)) throw new Error(`duplicate state machine name: ${name}`);
    // Validates the definition as written (asl-validator), so errors name the caller's states and fields.
    new StateMachine(definition as StateMachineDefinition);
    const prepared = prepareDefinition(name, definition, tokenPlaceholder);
    machines.set(arn, {
      name,
      arn,
      definitionText: JSON.stringify(definition),
      runnable: new StateMachine(prepared.runnable as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: true },
      }),
      tasks: prepared.tasks,
      creationDate: new Date(),
    });
  }

  const executions = new Map<string, Execution>();
  const pending = new Map<string, PendingTask>();
  /** Tokens whose task is over: AWS answers TaskTimedOut for them, not TaskDoesNotExist. */
  const retired = new Set<string>();
  let running = 0;
  let idleWaiters: Array<() => void> = [];

  // ---------- history ----------

  const record = (execution: Execution, type: string, details?: Record<string, unknown>): void => {
    const id = execution.events.length + 1;
    execution.events.push({ id, previousEventId: id - 1, timestamp: Date.now() / 1000, type, ...details });
  };

  /** Task lifecycle events the way AWS names them for each kind of Resource. No parameters, no output. */
  const recordTask = (
    execution: Execution,
    spec: TaskSpec,
    phase: 'Scheduled' | 'Started' | 'Submitted' | 'Succeeded' | 'Failed' | 'TimedOut',
    error?: string,
  ): void => {
    const withError = error === undefined ? {} : { error };
    if (spec.kind === 'lambda:function') {
      if (phase === 'Submitted') return;
      const details = phase === 'Scheduled' ? { resource: spec.resource } : withError;
      record(execution, `LambdaFunction${phase}`, { [`lambdaFunction${phase}EventDetails`]: details });
      return;
    }
    const resource = spec.kind === 'lambda:invoke' ? 'invoke' : 'invoke.waitForTaskToken';
    const details: Record<string, unknown> = { resourceType: 'lambda', resource, ...withError };
    if (phase === 'Scheduled') details.region = opts.region;
    record(execution, `Task${phase}`, { [`task${phase}EventDetails`]: details });
  };

  const publicErrorName = (name: string): string =>
    name === HEARTBEAT_TIMEOUT_ERROR ? 'States.Timeout' : name;

  /** Maps the interpreter's events onto AWS history events; terminal events are written by finish(). */
  const readEvents = async (execution: Execution, events: AsyncGenerator<EventLog>): Promise<void> => {
    // No status check here: the interpreter closes its stream when the execution ends, so every event that
    // arrives was queued before the end, including when finish() has already marked it ended.
    for await (const ev of events) {
      switch (ev.type) {
        case 'StateEntered':
          record(execution, `${ev.state.type}StateEntered`, {
            stateEnteredEventDetails: { name: ev.state.name },
          });
          break;
        case 'StateExited':
          record(execution, `${ev.state.type}StateExited`, {
            stateExitedEventDetails: { name: ev.state.name },
          });
          break;
        case 'StateFailed': {
          const spec = ev.state.type === 'Task' ? execution.machine.tasks.get(ev.state.name) : undefined;
          if (!spec) break;
          const error = publicErrorName(ev.Error);
          recordTask(execution, spec, error === 'States.Timeout' ? 'TimedOut' : 'Failed', error);
          break;
        }
        case 'MapIterationStarted':
        case 'MapIterationSucceeded':
        case 'MapIterationFailed': {
          const phase = ev.type.slice('MapIteration'.length);
          record(execution, ev.type, {
            [`mapIteration${phase}EventDetails`]: { name: ev.parentState.name, index: ev.index },
          });
          break;
        }
      }
    }
  };

  // ---------- tasks ----------

  const retireToken = (task: PendingTask): void => {
    clearTimeout(task.heartbeatTimer);
    clearTimeout(task.retireTimer);
    pending.delete(task.token);
    task.execution.tokens.delete(task.token);
    retired.add(task.token);
  };

  const armHeartbeat = (task: PendingTask): void => {
    if (task.spec.heartbeatSeconds === undefined) return;
    clearTimeout(task.heartbeatTimer);
    task.heartbeatTimer = setTimeout(() => {
      retireToken(task);
      task.reject(
        new TaskError(HEARTBEAT_TIMEOUT_ERROR, 'No heartbeat was received within HeartbeatSeconds.'),
      );
    }, task.spec.heartbeatSeconds * 1000);
  };

  const toJson = (value: unknown): JsonValue => {
    try {
      return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
    } catch {
      // What the Lambda runtime reports for a return value it cannot serialise.
      const errorType = 'Runtime.MarshalError';
      throw new TaskError(
        errorType,
        JSON.stringify({ errorType, errorMessage: 'Unable to stringify response body' }),
      );
    }
  };

  /** Calls the function; a throw becomes what Step Functions shows for a failed Lambda: Error = its name. */
  const callFunction = async (functionName: string, payload: unknown): Promise<JsonValue> => {
    let result: unknown;
    try {
      result = await opts.invokeFunction(functionName, payload);
    } catch (err) {
      const errorType = err instanceof Error && err.name ? err.name : 'Error';
      const errorMessage = err instanceof Error ? err.message : String(err);
      throw new TaskError(errorType, JSON.stringify({ errorType, errorMessage }));
    }
    return toJson(result);
  };

  const invokeParameters = (input: JsonValue): { functionName: string; payload: unknown } => {
    const params = typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {};
    if (typeof params.FunctionName !== 'string' || params.FunctionName === '') {
      throw new StatesRuntimeError('Parameters.FunctionName must resolve to a non-empty string');
    }
    // Lambda hands an invocation without a payload to the handler as an empty object.
    return { functionName: params.FunctionName, payload: params.Payload ?? {} };
  };

  const replaceDeep = (value: JsonValue, from: string, to: string): JsonValue => {
    if (value === from) return to;
    if (Array.isArray(value)) return value.map((v) => replaceDeep(v, from, to));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceDeep(v, from, to)]));
    }
    return value;
  };

  const runTask = async (execution: Execution, spec: TaskSpec, input: JsonValue): Promise<JsonValue> => {
    // The interpreter calls this synchronously right after queueing StateEntered; one macrotask lets readEvents
    // record that event first, so the history reads in order.
    await nextMacrotask();
    if (execution.status !== 'RUNNING') throw new StatesRuntimeError('The execution has ended');
    recordTask(execution, spec, 'Scheduled');
    recordTask(execution, spec, 'Started');

    if (spec.kind === 'lambda:function') {
      const result = await callFunction(spec.resource, input);
      recordTask(execution, spec, 'Succeeded');
      return result;
    }

    if (spec.kind === 'lambda:invoke') {
      const { functionName, payload } = invokeParameters(input);
      const result = await callFunction(functionName, payload);
      recordTask(execution, spec, 'Succeeded');
      const requestId = randomUUID();
      // The shape AWS returns for the optimised integration; ASL reads $.Payload.
      return {
        ExecutedVersion: '$LATEST',
        Payload: result,
        SdkHttpMetadata: {
          HttpHeaders: { 'X-Amz-Executed-Version': '$LATEST', 'x-amzn-RequestId': requestId },
          HttpStatusCode: 200,
        },
        SdkResponseMetadata: { RequestId: requestId },
        StatusCode: 200,
      };
    }

    // .waitForTaskToken: register the token before invoking, since the function may complete it at once.
    const token = TOKEN_PREFIX + randomBytes(96).toString('base64url');
    const { functionName, payload } = invokeParameters(replaceDeep(input, tokenPlaceholder, token));
    const outcome = new Promise<JsonValue>((resolve, reject) => {
      const task: PendingTask = { token, execution, spec, resolve, reject };
      pending.set(token, task);
      execution.tokens.add(token);
      armHeartbeat(task);
      if (spec.timeoutSeconds !== undefined) {
        task.retireTimer = setTimeout(
          () => {
            retireToken(task);
            reject(new TaskError('States.Timeout', 'The task timed out.'));
          },
          spec.timeoutSeconds * 1000 + TOKEN_RETIRE_GRACE_MS,
        );
      }
    });
    // The execution may end (stop, shutdown) while the function is still running, rejecting
    // `outcome` before anything awaits it: keep that from surfacing as an unhandled rejection.
    outcome.catch(() => {});
    try {
      await callFunction(functionName, payload);
    } catch (err) {
      const task = pending.get(token);
      // Completed by SendTask* before the function failed: the task's outcome is already decided.
      if (!task) return outcome;
      retireToken(task);
      throw err;
    }
    if (pending.has(token)) recordTask(execution, spec, 'Submitted');
    return outcome;
  };

  // ---------- executions ----------

  const finish = (
    execution: Execution,
    status: ExecutionEndStatus,
    details: { output?: string; error?: string; cause?: string } = {},
  ): Promise<void> => {
    if (execution.finished) return execution.finished;
    execution.status = status;
    execution.stopDate = new Date();
    Object.assign(execution, details);
    for (const token of [...execution.tokens]) {
      const task = pending.get(token);
      if (!task) continue;
      retireToken(task);
      task.reject(new StatesRuntimeError('The execution has ended'));
    }
    execution.finished = (async () => {
      // Events the interpreter queued before the end belong before the terminal event.
      await execution.drained;
      const error = execution.error === undefined ? {} : { error: execution.error };
      if (status === 'SUCCEEDED') {
        record(execution, 'ExecutionSucceeded', {
          executionSucceededEventDetails: { outputDetails: { truncated: false } },
        });
      } else if (status === 'FAILED') {
        record(execution, 'ExecutionFailed', { executionFailedEventDetails: error });
      } else if (status === 'ABORTED') {
        record(execution, 'ExecutionAborted', { executionAbortedEventDetails: error });
      } else {
        record(execution, 'ExecutionTimedOut', { executionTimedOutEventDetails: error });
      }
      try {
        opts.onExecutionEnd?.({
          executionArn: execution.arn,
          stateMachineName: execution.machine.name,
          status,
          ...error,
        });
      } catch {
        // An observer's bug must not wedge the stand-in (idle() would never resolve).
      }
      running--;
      if (running === 0) {
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const wake of waiters) wake();
      }
    })();
    return execution.finished;
  };

  const stop = (execution: Execution, error?: string, cause?: string): Promise<void> => {
    const done = finish(execution, 'ABORTED', { error, cause });
    execution.abort();
    return done;
  };

  const onRunFailed = (execution: Execution, err: unknown): Promise<void> => {
    if (err instanceof ExecutionAbortedError) return finish(execution, 'ABORTED');
    if (err instanceof ExecutionTimeoutError) {
      return finish(execution, 'TIMED_OUT', {
        error: 'States.Timeout',
        cause: 'The execution ran longer than its TimeoutSeconds.',
      });
    }
    const failure = err instanceof ExecutionError && err.cause instanceof Error ? err.cause : err;
    const error = failure instanceof Error ? publicErrorName(failure.name) : 'States.Runtime';
    const cause = failure instanceof Error ? failure.message : undefined;
    return finish(execution, 'FAILED', { error, cause });
  };

  const launch = (machine: Machine, name: string, input: string, parsed: JsonValue): Execution => {
    const arn = `arn:aws:states:${opts.region}:${opts.accountId}:execution:${machine.name}:${name}`;
    const execution: Execution = {
      arn,
      name,
      machine,
      input,
      startDate: new Date(),
      status: 'RUNNING',
      events: [],
      tokens: new Set(),
      abort: () => {},
      drained: Promise.resolve(),
    };
    executions.set(arn, execution);
    running++;
    record(execution, 'ExecutionStarted', {
      executionStartedEventDetails: { inputDetails: { truncated: false }, roleArn },
    });
    const handlers: Record<string, LocalHandler> = {};
    for (const [stateName, spec] of machine.tasks) handlers[stateName] = (i) => runTask(execution, spec, i);
    const run = machine.runnable.run(parsed, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides: opts.retryIntervalOverrides,
        waitTimeOverrides: opts.waitTimeOverrides,
      },
      context: {
        Execution: { Id: arn, Name: name, RoleArn: roleArn },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    execution.abort = run.abort;
    execution.drained = readEvents(execution, run.eventLogs).catch(() => {});
    void run.result.then(
      (output) => finish(execution, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (err: unknown) => onRunFailed(execution, err),
    );
    return execution;
  };

  // ---------- request validation ----------

  const str = (
    body: Body,
    field: string,
    opt: { required?: boolean; max?: number } = {},
  ): string | undefined => {
    const value = body[field];
    if (value === undefined || value === null) {
      if (opt.required) throw new ApiError('ValidationException', `${field} is required`);
      return undefined;
    }
    if (typeof value !== 'string') throw new ApiError('ValidationException', `${field} must be a string`);
    if (opt.max !== undefined && value.length > opt.max) {
      throw new ApiError('ValidationException', `${field} must be at most ${opt.max} characters`);
    }
    return value;
  };

  const getMachine = (arn: string | undefined): Machine => {
    if (!arn?.startsWith('arn:aws:states:')) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const machine = machines.get(arn);
    if (!machine) throw new ApiError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  };

  const getExecution = (body: Body): Execution => {
    const arn = str(body, 'executionArn', { required: true }) ?? '';
    if (!arn.startsWith('arn:aws:states:')) throw new ApiError('InvalidArn', `Invalid Arn: '${arn}'`);
    const execution = executions.get(arn);
    if (!execution) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  };

  const getPendingTask = (body: Body): PendingTask => {
    const token = str(body, 'taskToken', { required: true, max: 2048 }) ?? '';
    if (!TOKEN_RE.test(token)) throw new ApiError('InvalidToken', "Invalid Token: 'Invalid token'");
    const task = pending.get(token);
    if (task) return task;
    if (retired.has(token)) {
      throw new ApiError('TaskTimedOut', "Task Timed Out: 'Provided task does not exist anymore'");
    }
    throw new ApiError('TaskDoesNotExist', 'Task Does Not Exist');
  };

  /** nextToken is an opaque offset, as on AWS only meaningful for the same query. */
  const page = <T>(items: T[], body: Body, defaultMax: number): { items: T[]; nextToken?: string } => {
    const maxResults =
      typeof body.maxResults === 'number' && body.maxResults > 0 ? body.maxResults : defaultMax;
    let offset = 0;
    const token = str(body, 'nextToken');
    if (token !== undefined) {
      offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
      if (!Number.isInteger(offset) || offset < 0) throw new ApiError('InvalidToken', 'Invalid Token');
    }
    const slice = items.slice(offset, offset + maxResults);
    const next = offset + maxResults;
    return next < items.length
      ? { items: slice, nextToken: Buffer.from(String(next)).toString('base64url') }
      : { items: slice };
  };

  const executionSummary = (e: Execution) => ({
    executionArn: e.arn,
    stateMachineArn: e.machine.arn,
    name: e.name,
    status: e.status,
    startDate: epochSeconds(e.startDate),
    ...(e.stopDate && { stopDate: epochSeconds(e.stopDate) }),
  });

  // ---------- operations ----------

  const operations: Record<string, (body: Body) => object | Promise<object>> = {
    StartExecution(body) {
      const machine = getMachine(str(body, 'stateMachineArn', { required: true }));
      const name = str(body, 'name') ?? randomUUID();
      if (!isValidName(name)) throw new ApiError('InvalidName', `Invalid Name: '${name}'`);
      const input = str(body, 'input', { max: MAX_PAYLOAD_CHARS }) ?? '{}';
      let parsed: JsonValue;
      try {
        parsed = JSON.parse(input) as JsonValue;
      } catch {
        throw new ApiError(
          'InvalidExecutionInput',
          'Invalid State Machine Execution Input: the input is not valid JSON',
        );
      }
      const arn = `arn:aws:states:${opts.region}:${opts.accountId}:execution:${machine.name}:${name}`;
      const existing = executions.get(arn);
      if (existing) {
        // AWS: the same name and input while the execution runs is an idempotent retry; anything else
        // (different input, or the execution already closed) is refused.
        if (existing.status === 'RUNNING' && existing.input === input) {
          return { executionArn: existing.arn, startDate: epochSeconds(existing.startDate) };
        }
        throw new ApiError('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
      }
      const execution = launch(machine, name, input, parsed);
      return { executionArn: execution.arn, startDate: epochSeconds(execution.startDate) };
    },

    DescribeExecution(body) {
      const e = getExecution(body);
      return {
        ...executionSummary(e),
        input: e.input,
        inputDetails: { included: true },
        ...(e.output !== undefined && { output: e.output, outputDetails: { included: true } }),
        ...(e.error !== undefined && { error: e.error }),
        ...(e.cause !== undefined && { cause: e.cause }),
      };
    },

    ListExecutions(body) {
      const machine = getMachine(str(body, 'stateMachineArn', { required: true }));
      const statusFilter = str(body, 'statusFilter');
      const list = [...executions.values()]
        .filter((e) => e.machine === machine && (statusFilter === undefined || e.status === statusFilter))
        .reverse(); // newest first, as AWS lists them
      const { items, nextToken } = page(list, body, 100);
      return { executions: items.map(executionSummary), ...(nextToken && { nextToken }) };
    },

    async StopExecution(body) {
      const e = getExecution(body);
      const error = str(body, 'error', { max: 256 });
      const cause = str(body, 'cause', { max: 32_768 });
      if (e.status === 'RUNNING') await stop(e, error, cause);
      return { stopDate: epochSeconds(e.stopDate ?? new Date()) };
    },

    GetExecutionHistory(body) {
      const e = getExecution(body);
      // Always as with includeExecutionData: false: history never carries input, output, parameters or causes.
      const events = body.reverseOrder === true ? [...e.events].reverse() : e.events;
      const { items, nextToken } = page(events, body, 100);
      return { events: items, ...(nextToken && { nextToken }) };
    },

    SendTaskSuccess(body) {
      const task = getPendingTask(body);
      const output = str(body, 'output', { required: true, max: MAX_PAYLOAD_CHARS }) ?? '';
      let parsed: JsonValue;
      try {
        parsed = JSON.parse(output) as JsonValue;
      } catch {
        throw new ApiError('InvalidOutput', 'Invalid Output: the output is not valid JSON');
      }
      retireToken(task);
      recordTask(task.execution, task.spec, 'Succeeded');
      task.resolve(parsed);
      return {};
    },

    SendTaskFailure(body) {
      const task = getPendingTask(body);
      const error = str(body, 'error', { max: 256 }) ?? '';
      const cause = str(body, 'cause', { max: 32_768 }) ?? '';
      retireToken(task);
      // TaskFailed is recorded from the interpreter's StateFailed event, like every other task failure.
      task.reject(new TaskError(error, cause));
      return {};
    },

    SendTaskHeartbeat(body) {
      armHeartbeat(getPendingTask(body));
      return {};
    },

    DescribeStateMachine(body) {
      const m = getMachine(str(body, 'stateMachineArn', { required: true }));
      return {
        stateMachineArn: m.arn,
        name: m.name,
        status: 'ACTIVE',
        definition: m.definitionText,
        roleArn,
        type: 'STANDARD',
        creationDate: epochSeconds(m.creationDate),
        loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      };
    },

    ListStateMachines(body) {
      const { items, nextToken } = page([...machines.values()], body, 100);
      return {
        stateMachines: items.map((m) => ({
          stateMachineArn: m.arn,
          name: m.name,
          type: 'STANDARD',
          creationDate: epochSeconds(m.creationDate),
        })),
        ...(nextToken && { nextToken }),
      };
    },
  };

  // ---------- HTTP ----------

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    }
    if (size > MAX_REQUEST_BYTES) throw new ApiError('RequestEntityTooLarge', 'Request is too large', 413);
    return Buffer.concat(chunks).toString('utf8');
  };

  const send = (res: ServerResponse, status: number, body: object, requestId: string, errorType?: string) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': requestId,
      ...(errorType && { 'x-amzn-errortype': errorType }),
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    try {
      const raw = await readBody(req);
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw new ApiError('UnknownOperationException', 'Only POST / is served', 404);
      }
      // Signatures are not verified, but an unsigned request would be refused by AWS, so it is refused here too.
      if (!req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ')) {
        throw new ApiError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
      }
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith('AWSStepFunctions.')
        ? operations[target.slice('AWSStepFunctions.'.length)]
        : undefined;
      if (!op) throw new ApiError('UnknownOperationException', `Unknown operation: ${target}`);
      let body: unknown;
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        throw new ApiError('SerializationException', 'Request body is not valid JSON');
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new ApiError('SerializationException', 'Request body must be a JSON object');
      }
      send(res, 200, await op(body as Body), requestId);
    } catch (err) {
      if (err instanceof ApiError) {
        send(res, err.status, { __type: err.type, message: err.message }, requestId, err.type);
      } else {
        send(
          res,
          500,
          { __type: 'InternalFailure', message: 'Internal failure' },
          requestId,
          'InternalFailure',
        );
      }
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1';

  return {
    endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stateMachineArn(name) {
      const arn = machineArn(name);
      if (!machines.has(arn)) throw new Error(`no state machine named ${name}`);
      return arn;
    },
    async close() {
      const runningNow = [...executions.values()].filter((e) => e.status === 'RUNNING');
      await Promise.all(
        runningNow.map((e) => stop(e, 'ServerClosed', 'The local Step Functions server was closed.')),
      );
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SDK clients keep connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      });
    },
    idle() {
      return running === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
