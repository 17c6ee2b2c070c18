/**
 * Local stand-in for AWS Step Functions: the real Step Functions wire protocol (AWS JSON 1.0 over HTTP) in front
 * of aws-local-stepfunctions, so SDK clients reach it by changing only their endpoint.
 *
 * Durable, as on AWS, when given a `dataDir`: every execution (input, status, output, history), its position
 * (the top-level state it is in and that state's input), its Task's retry counters and deadlines, and its task
 * token are written to disk (atomically, see ./store) at every state entered and every token issued, completed
 * or heartbeated, before the API answers. On start the server loads them; `resume()` carries each running
 * execution on from its position: a token issued before a restart still completes its task, HeartbeatSeconds
 * and TimeoutSeconds deadlines are absolute times on the stack's clock, and a Task that was running when the
 * process died runs again (at least once, as Lambda retries; the handlers are idempotent). A
 * `.waitForTaskToken` Task whose function had already returned is not invoked again: it waits on the same token.
 * Without a `dataDir` everything lives in memory, and nothing survives the process.
 * Not resumed precisely: states inside a Parallel or Map (the whole top-level Parallel/Map runs again), a Wait
 * (waits its full time again), `$$.Execution.StartTime` (the time of the resume).
 *
 * Task states run the project's functions through `invokeFunction`: `arn:aws:states:::lambda:invoke`
 * (optimised integration: result wrapped as `{ StatusCode, ExecutedVersion, Payload, ... }`),
 * `arn:aws:states:::lambda:invoke.waitForTaskToken` (pending until SendTaskSuccess/SendTaskFailure), and a plain
 * Lambda function ARN (result unwrapped). Anything else is refused when the server starts (see ./definition).
 * A Task's attempts (Retry) and TimeoutSeconds are run here, not by the library, so they can be persisted.
 *
 * It logs nothing: execution input and output may only ever be read back through the API.
 */
import './promise-polyfill';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { RunOptions, StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  HEARTBEAT_TIMEOUT_ERROR,
  type PreparedDefinition,
  prepareDefinition,
  type TaskSpec,
} from './definition';
import { SfnStore } from './store';
import { ValidationCache } from './validation-cache';

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
  /** Where executions are kept across restarts; omit to keep them in memory only. */
  dataDir?: string;
  /**
   * Where definitions that passed validation are remembered (see ./validation-cache), so a later start with the
   * same definition skips the validator's schema compilation; omit to validate on every start.
   */
  validationCacheDir?: string;
  /** The stack's clock: history and execution dates, TimeoutSeconds, HeartbeatSeconds, retry waits. */
  clock?: { now(): Date };
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
  /**
   * Carries on with the running executions found in `dataDir`. Call it once, when the functions they invoke can
   * run (the local stack calls it after it has set the handlers' environment). Their tokens are valid at once.
   */
  resume(): void;
  /** Re-reads the clock for every pending deadline (after the stack's clock was moved forward). */
  clockMoved(): void;
  /** Stops listening and halts running executions where they are: on disk they stay running, to be resumed. */
  close(): Promise<void>;
  /** Resolves when no execution is running. */
  idle(): Promise<void>;
}

/**
 * The interpreter, loaded when first needed (a start with every definition in the validation cache does not need
 * it until the first API request or a resumed execution): it is the heaviest import of the local stack. Every
 * request waits for it, and a failure to load it fails the process loudly (see `handle`).
 */
type Library = typeof import('aws-local-stepfunctions');
let library: Library | undefined;
let loadingLibrary: Promise<Library> | undefined;
const loadLibrary = (): Promise<Library> =>
  (loadingLibrary ??= import('aws-local-stepfunctions').then((lib) => {
    library = lib;
    return lib;
  }));
/** The loaded interpreter; only called on paths that run after loadLibrary() resolved. */
const lib = (): Library => {
  if (!library) throw new Error('local Step Functions: the interpreter is used before it was loaded');
  return library;
};

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
/** setTimeout's ceiling; longer deadlines are re-armed when it fires. */
const MAX_TIMER_MS = 2_147_483_647;
const RECORD_VERSION = 1;

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
  /** False for a timeout no Catch of the state names (the library's States.TaskFailed would take it). */
  isCatchable = true;
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

/** Where a Task's current attempt stands; persisted with the position. Times are ms on the stack's clock. */
interface TaskCheckpoint {
  /** Retries made so far, per Retry entry. */
  attempts: number[];
  /** The next attempt starts at this time. */
  retryAt?: number;
  token?: string;
  /** The function that received the token has returned (it is not invoked again after a restart). */
  invoked?: boolean;
  heartbeatDeadline?: number;
  timeoutDeadline?: number;
  /** What SendTaskSuccess/SendTaskFailure decided, kept until the next state is entered. */
  outcome?: { output: JsonValue } | { error: string; cause: string };
}

/** The top-level state an execution is in, with the input it entered with. */
interface Position {
  state: string;
  input: JsonValue;
  task?: TaskCheckpoint;
}

/** One definition as prepared for the library; an execution keeps running the one it started with. */
interface Runtime {
  hash?: string;
  prepared: PreparedDefinition;
  /** Made on first use (the interpreter is loaded by then). */
  readonly runnable: StateMachine;
}

interface Machine {
  name: string;
  arn: string;
  definitionText: string;
  current: Runtime;
  /** Earlier definitions that persisted executions started with, by hash. */
  older: Map<string, Runtime>;
  creationDate: Date;
}

interface Execution {
  seq: number;
  arn: string;
  name: string;
  machine: Machine;
  runtime: Runtime;
  input: string;
  startDate: Date;
  stopDate?: Date;
  status: Status;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEvent[];
  position?: Position;
  /** Inside the top-level Parallel or Map of `position`: the states entered are not positions. */
  nested: boolean;
  /** On resume: the position's StateEntered is already in the history. */
  skipEntered?: string;
  /** On resume: the checkpoint the position's Task carries on from. */
  resumeTask?: TaskCheckpoint;
  tokens: Set<string>;
  retiredTokens: string[];
  /** Rejects whatever the execution is waiting on (a retry interval, a deadline race) when it ends. */
  cancels: Set<(err: Error) => void>;
  abort: () => void;
  /** Settles when the interpreter's event stream has been read to its end. */
  drained: Promise<void>;
  finished?: Promise<void>;
}

/** What is written to disk for an execution. */
interface StoredExecution {
  v: number;
  seq: number;
  arn: string;
  name: string;
  machineArn: string;
  definitionHash: string;
  input: string;
  startDate: number;
  stopDate?: number;
  status: Status;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEvent[];
  position?: Position;
  retiredTokens: string[];
}

interface ClockTimer {
  deadline: number;
  fire: () => void;
  handle?: NodeJS.Timeout;
}

interface PendingTask {
  token: string;
  execution: Execution;
  spec: TaskSpec;
  checkpoint: TaskCheckpoint;
  outcome: Promise<JsonValue>;
  resolve: (value: JsonValue) => void;
  reject: (error: Error) => void;
  heartbeatTimer?: ClockTimer;
  timeoutTimer?: ClockTimer;
}

const epochSeconds = (d: Date): number => d.getTime() / 1000;
const isTimeoutName = (name: string) => name === 'States.Timeout' || name === HEARTBEAT_TIMEOUT_ERROR;

export async function startSfnServer(opts: SfnServerOptions): Promise<SfnServer> {
  const roleArn = `arn:aws:iam::${opts.accountId}:role/local-stepfunctions`;
  const machineArn = (name: string) => `arn:aws:states:${opts.region}:${opts.accountId}:stateMachine:${name}`;
  // A string no caller input can contain, swapped for the real token inside the Task (see ./definition).
  const tokenPlaceholder = `__local_sfn_task_token_${randomUUID()}__`;
  // The state a resumed run starts at: a Pass that hands the saved input to the saved position.
  const resumeStateName = `__local_sfn_resume_${randomUUID()}__`;
  const clock = opts.clock ?? { now: () => new Date() };
  const nowMs = () => clock.now().getTime();
  const store = opts.dataDir ? new SfnStore(opts.dataDir) : undefined;
  const validated = opts.validationCacheDir ? new ValidationCache(opts.validationCacheDir) : undefined;

  const prepare = (name: string, definitionText: string, hash?: string): Runtime => {
    const prepared = prepareDefinition(name, JSON.parse(definitionText) as object, tokenPlaceholder);
    let runnable: StateMachine | undefined;
    return {
      ...(hash !== undefined && { hash }),
      prepared,
      get runnable() {
        runnable ??= new (lib().StateMachine)(prepared.runnable as unknown as StateMachineDefinition, {
          validationOptions: { noValidate: true },
        });
        return runnable;
      },
    };
  };

  const machines = new Map<string, Machine>();
  for (const { name, definition } of opts.stateMachines) {
    if (!isValidName(name)) throw new Error(`invalid state machine name: ${name}`);
    const arn = machineArn(name);
    if (machines.has(arn)) throw new Error(`duplicate state machine name: ${name}`);
    const definitionText = JSON.stringify(definition);
    // Validates the definition as written (asl-validator), so errors name the caller's states and fields; this
    // exact text, passed by this validator before (recorded in the cache), is not validated again.
    if (!validated?.has(definitionText)) {
      const { StateMachine } = await loadLibrary();
      // On a copy: the validator writes QueryLanguage into every state it checks.
      new StateMachine(structuredClone(definition) as StateMachineDefinition);
      validated?.add(definitionText);
    }
    machines.set(arn, {
      name,
      arn,
      definitionText,
      current: prepare(name, definitionText, store?.saveDefinition(definitionText)),
      older: new Map(),
      creationDate: new Date(),
    });
  }

  const executions = new Map<string, Execution>();
  const pending = new Map<string, PendingTask>();
  /** Tokens whose task is over: AWS answers TaskTimedOut for them, not TaskDoesNotExist. */
  const retired = new Set<string>();
  let running = 0;
  let nextSeq = 1;
  let closing = false;
  let idleWaiters: Array<() => void> = [];
  const toResume: Execution[] = [];

  // ---------- deadlines on the stack's clock ----------

  const timers = new Set<ClockTimer>();
  const armTimer = (t: ClockTimer): void => {
    clearTimeout(t.handle);
    const delay = Math.min(Math.max(0, t.deadline - nowMs()), MAX_TIMER_MS);
    t.handle = setTimeout(() => {
      if (nowMs() < t.deadline) return armTimer(t);
      timers.delete(t);
      t.fire();
    }, delay);
  };
  const at = (deadline: number, fire: () => void): ClockTimer => {
    const t: ClockTimer = { deadline, fire };
    timers.add(t);
    armTimer(t);
    return t;
  };
  const cancelTimer = (t: ClockTimer | undefined): void => {
    if (!t) return;
    clearTimeout(t.handle);
    timers.delete(t);
  };

  /** Resolves at `deadline`; rejects if the execution ends first (or `cancel` is called). */
  const sleepUntil = (
    execution: Execution,
    deadline: number,
  ): { done: Promise<void>; cancel: () => void } => {
    let cancel!: () => void;
    const done = new Promise<void>((resolve, reject) => {
      const onEnd = (err: Error) => {
        cancelTimer(timer);
        execution.cancels.delete(onEnd);
        reject(err);
      };
      const timer = at(deadline, () => {
        execution.cancels.delete(onEnd);
        resolve();
      });
      execution.cancels.add(onEnd);
      cancel = () => onEnd(new StatesRuntimeError('cancelled'));
    });
    return { done, cancel };
  };

  // ---------- persistence ----------

  const toRecord = (e: Execution): StoredExecution => ({
    v: RECORD_VERSION,
    seq: e.seq,
    arn: e.arn,
    name: e.name,
    machineArn: e.machine.arn,
    definitionHash: e.runtime.hash ?? '',
    input: e.input,
    startDate: e.startDate.getTime(),
    ...(e.stopDate && { stopDate: e.stopDate.getTime() }),
    status: e.status,
    ...(e.output !== undefined && { output: e.output }),
    ...(e.error !== undefined && { error: e.error }),
    ...(e.cause !== undefined && { cause: e.cause }),
    events: e.events,
    ...(e.position && { position: e.position }),
    retiredTokens: e.retiredTokens,
  });

  /**
   * Writes the execution to disk, synchronously, before anything that depends on it is answered or handed out.
   * Always atomic (a kill leaves the old record or the new); `durable` also fsyncs, for what callers were told
   * (started, a token handed out or completed). A position is not: losing one to a power cut only means the
   * previous state runs again, which at-least-once allows.
   */
  const save = (e: Execution, durable = true): void => {
    if (!store || closing) return;
    store.saveExecution(e.arn, toRecord(e), durable);
  };

  // ---------- history ----------

  const record = (execution: Execution, type: string, details?: Record<string, unknown>): void => {
    const id = execution.events.length + 1;
    execution.events.push({ id, previousEventId: id - 1, timestamp: nowMs() / 1000, type, ...details });
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

  const isParallelOrMap = (type: string) => type === 'Parallel' || type === 'Map';

  /**
   * Maps the interpreter's events onto AWS history events and moves the execution's position; Task failures are
   * written by runTask, terminal events by finish().
   */
  const readEvents = async (execution: Execution, events: AsyncGenerator<EventLog>): Promise<void> => {
    // No status check here: the interpreter closes its stream when the execution ends, so every event that
    // arrives was queued before the end, including when finish() has already marked it ended.
    const topLevel = execution.runtime.prepared.topLevelStates;
    for await (const ev of events) {
      switch (ev.type) {
        case 'StateEntered': {
          const { name, type, input } = ev.state;
          if (name === resumeStateName) break;
          if (execution.nested || topLevel.get(name) !== type) {
            record(execution, `${type}StateEntered`, { stateEnteredEventDetails: { name } });
            break;
          }
          execution.nested = isParallelOrMap(type);
          if (execution.skipEntered === name) {
            execution.skipEntered = undefined;
            break;
          }
          record(execution, `${type}StateEntered`, { stateEnteredEventDetails: { name } });
          execution.position = { state: name, input };
          save(execution, false);
          break;
        }
        case 'StateExited': {
          const { name, type } = ev.state;
          if (name === resumeStateName) break;
          if (execution.nested && execution.position?.state === name && topLevel.get(name) === type) {
            execution.nested = false;
          }
          record(execution, `${type}StateExited`, { stateExitedEventDetails: { name } });
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
    cancelTimer(task.heartbeatTimer);
    cancelTimer(task.timeoutTimer);
    pending.delete(task.token);
    task.execution.tokens.delete(task.token);
    retired.add(task.token);
    task.execution.retiredTokens.push(task.token);
  };

  /** A deadline passed: the token is retired and the outcome decided (also for a Task not yet resumed). */
  const expire = (task: PendingTask, error: string, cause: string): void => {
    retireToken(task);
    task.checkpoint.outcome = { error, cause };
    task.reject(new TaskError(error, cause));
  };

  const armDeadlines = (task: PendingTask): void => {
    const { checkpoint } = task;
    cancelTimer(task.heartbeatTimer);
    if (checkpoint.heartbeatDeadline !== undefined) {
      task.heartbeatTimer = at(checkpoint.heartbeatDeadline, () =>
        expire(task, HEARTBEAT_TIMEOUT_ERROR, 'No heartbeat was received within HeartbeatSeconds.'),
      );
    }
    if (checkpoint.timeoutDeadline !== undefined && !task.timeoutTimer) {
      task.timeoutTimer = at(checkpoint.timeoutDeadline, () =>
        expire(task, 'States.Timeout', 'The task timed out.'),
      );
    }
  };

  /** Makes a token valid: SendTask* can complete it from now on. */
  const registerToken = (execution: Execution, spec: TaskSpec, checkpoint: TaskCheckpoint): PendingTask => {
    const token = checkpoint.token ?? '';
    let resolve!: (value: JsonValue) => void;
    let reject!: (error: Error) => void;
    const outcome = new Promise<JsonValue>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The execution may end (stop, shutdown) before anything awaits `outcome`: no unhandled rejection.
    outcome.catch(() => {});
    const task: PendingTask = { token, execution, spec, checkpoint, outcome, resolve, reject };
    pending.set(token, task);
    execution.tokens.add(token);
    armDeadlines(task);
    return task;
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

  /** Races `work` against a TimeoutSeconds deadline on the stack's clock. */
  const withDeadline = async <T>(execution: Execution, work: Promise<T>, deadline?: number): Promise<T> => {
    if (deadline === undefined) return work;
    const sleeper = sleepUntil(execution, deadline);
    const timeout = sleeper.done.then(() => {
      throw new TaskError('States.Timeout', 'The task timed out.');
    });
    timeout.catch(() => {});
    try {
      return await Promise.race([work, timeout]);
    } finally {
      sleeper.cancel();
    }
  };

  /** Whether a Retry entry takes the error, and how long to wait (ms); undefined: no retry. */
  const retryDelay = (spec: TaskSpec, checkpoint: TaskCheckpoint, error: Error): number | undefined => {
    for (const [i, retrier] of spec.retry.entries()) {
      const matches = retrier.errorEquals.some(
        (name) =>
          name === error.name ||
          name === 'States.ALL' ||
          (name === 'States.TaskFailed' && !isTimeoutName(error.name)) ||
          (name === 'States.Timeout' && error.name === HEARTBEAT_TIMEOUT_ERROR),
      );
      if (!matches) continue;
      const done = checkpoint.attempts[i] ?? 0;
      if (done >= retrier.maxAttempts) return undefined;
      checkpoint.attempts[i] = done + 1;
      const override = opts.retryIntervalOverrides?.[spec.stateName];
      const overrideMs = typeof override === 'number' ? override : override?.[i];
      if (overrideMs !== undefined && overrideMs >= 0) return overrideMs;
      let ms = retrier.intervalSeconds * retrier.backoffRate ** done * 1000;
      if (retrier.maxDelaySeconds !== undefined) ms = Math.min(ms, retrier.maxDelaySeconds * 1000);
      return retrier.jitter === 'FULL' ? Math.random() * ms : ms;
    }
    return undefined;
  };

  /** AWS never lets States.TaskFailed catch a timeout; the library would, so such a timeout is made uncatchable. */
  const markTimeoutCatchability = (spec: TaskSpec, error: Error): void => {
    if (!(error instanceof TaskError) || !isTimeoutName(error.name)) return;
    error.isCatchable = spec.catchEquals.some((names) =>
      names.some(
        (n) =>
          n === 'States.ALL' || n === 'States.Timeout' || (n === HEARTBEAT_TIMEOUT_ERROR && error.name === n),
      ),
    );
  };

  const lambdaInvokeResult = (result: JsonValue): JsonValue => {
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
  };

  const waitForToken = async (
    execution: Execution,
    spec: TaskSpec,
    input: JsonValue,
    checkpoint: TaskCheckpoint,
  ): Promise<JsonValue> => {
    if (checkpoint.outcome) {
      // Decided by SendTask* before a restart: the outcome stands, the function is not invoked again.
      const decided = checkpoint.outcome;
      if ('output' in decided) return decided.output;
      throw new TaskError(decided.error, decided.cause);
    }
    if (checkpoint.token === undefined) {
      recordTask(execution, spec, 'Scheduled');
      recordTask(execution, spec, 'Started');
      const now = nowMs();
      checkpoint.token = TOKEN_PREFIX + randomBytes(96).toString('base64url');
      checkpoint.invoked = false;
      if (spec.heartbeatSeconds !== undefined)
        checkpoint.heartbeatDeadline = now + spec.heartbeatSeconds * 1000;
      if (spec.timeoutSeconds !== undefined) checkpoint.timeoutDeadline = now + spec.timeoutSeconds * 1000;
    }
    const token = checkpoint.token;
    const { functionName, payload } = invokeParameters(replaceDeep(input, tokenPlaceholder, token));
    // The token is on disk before any function sees it, and valid before the function runs (it may complete
    // it at once). After a restart it is already registered (see resume()).
    const task = pending.get(token) ?? registerToken(execution, spec, checkpoint);
    save(execution);
    if (!checkpoint.invoked) {
      try {
        await callFunction(functionName, payload);
      } catch (err) {
        // Completed by SendTask* before the function failed: the task's outcome is already decided.
        if (!pending.has(token)) return task.outcome;
        retireToken(task);
        throw err;
      }
      if (pending.has(token)) {
        checkpoint.invoked = true;
        recordTask(execution, spec, 'Submitted');
        save(execution);
      }
    }
    return task.outcome;
  };

  const attempt = async (
    execution: Execution,
    spec: TaskSpec,
    input: JsonValue,
    checkpoint: TaskCheckpoint,
  ): Promise<JsonValue> => {
    if (spec.kind === 'lambda:invoke.waitForTaskToken')
      return waitForToken(execution, spec, input, checkpoint);
    recordTask(execution, spec, 'Scheduled');
    recordTask(execution, spec, 'Started');
    const deadline = spec.timeoutSeconds === undefined ? undefined : nowMs() + spec.timeoutSeconds * 1000;
    if (spec.kind === 'lambda:function') {
      const result = await withDeadline(execution, callFunction(spec.resource, input), deadline);
      recordTask(execution, spec, 'Succeeded');
      return result;
    }
    const { functionName, payload } = invokeParameters(input);
    const result = await withDeadline(execution, callFunction(functionName, payload), deadline);
    recordTask(execution, spec, 'Succeeded');
    return lambdaInvokeResult(result);
  };

  /** The Task handler the library calls: runs attempts and Retry, with a checkpoint persisted at each step. */
  const runTask = async (execution: Execution, spec: TaskSpec, input: JsonValue): Promise<JsonValue> => {
    // The interpreter calls this synchronously right after queueing StateEntered; let readEvents record that
    // event (and move the position) first, so the history reads in order and the checkpoint has its place.
    await nextMacrotask();
    for (let i = 0; i < 5 && spec.topLevel && execution.position?.state !== spec.stateName; i++) {
      await nextMacrotask();
    }
    if (execution.status !== 'RUNNING' || closing) throw new StatesRuntimeError('The execution has ended');
    const position =
      spec.topLevel && !execution.nested && execution.position?.state === spec.stateName
        ? execution.position
        : undefined;
    const resumed = position && execution.resumeTask ? execution.resumeTask : undefined;
    execution.resumeTask = undefined;
    const checkpoint: TaskCheckpoint = resumed ?? { attempts: spec.retry.map(() => 0) };
    if (position) position.task = checkpoint;
    for (;;) {
      if (checkpoint.retryAt !== undefined) {
        await sleepUntil(execution, checkpoint.retryAt).done;
        checkpoint.retryAt = undefined;
      }
      try {
        return await attempt(execution, spec, input, checkpoint);
      } catch (err) {
        if (err instanceof StatesRuntimeError || execution.status !== 'RUNNING' || closing) throw err;
        const error = err instanceof Error ? err : new TaskError('Error', String(err));
        const name = publicErrorName(error.name);
        recordTask(execution, spec, isTimeoutName(name) ? 'TimedOut' : 'Failed', name);
        const wait = retryDelay(spec, checkpoint, error);
        if (wait === undefined) {
          markTimeoutCatchability(spec, error);
          throw error;
        }
        checkpoint.token = undefined;
        checkpoint.invoked = undefined;
        checkpoint.outcome = undefined;
        checkpoint.heartbeatDeadline = undefined;
        checkpoint.timeoutDeadline = undefined;
        checkpoint.retryAt = nowMs() + wait;
        save(execution);
      }
    }
  };

  // ---------- executions ----------

  const wakeIdle = (): void => {
    if (running !== 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  };

  const finish = (
    execution: Execution,
    status: ExecutionEndStatus,
    details: { output?: string; error?: string; cause?: string } = {},
  ): Promise<void> => {
    if (execution.finished) return execution.finished;
    if (closing) {
      // Halted by close(): on disk the execution is still running where it was.
      execution.finished = Promise.resolve();
      return execution.finished;
    }
    execution.status = status;
    execution.stopDate = clock.now();
    Object.assign(execution, details);
    for (const token of [...execution.tokens]) {
      const task = pending.get(token);
      if (!task) continue;
      retireToken(task);
      task.reject(new StatesRuntimeError('The execution has ended'));
    }
    for (const cancel of [...execution.cancels]) cancel(new StatesRuntimeError('The execution has ended'));
    execution.cancels.clear();
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
      execution.position = undefined;
      try {
        save(execution, false);
      } catch {
        // The disk refused the final record: after a restart the execution resumes and ends again.
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
      wakeIdle();
    })();
    return execution.finished;
  };

  const stop = (execution: Execution, error?: string, cause?: string): Promise<void> => {
    const done = finish(execution, 'ABORTED', { error, cause });
    execution.abort();
    return done;
  };

  const onRunFailed = (execution: Execution, err: unknown): Promise<void> => {
    const { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError } = lib();
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

  /** Runs the execution from its start, or (resuming) from `from`: a Pass hands the saved input to that state. */
  const run = (execution: Execution, from?: Position): void => {
    const { prepared } = execution.runtime;
    const deadline =
      prepared.timeoutSeconds === undefined
        ? undefined
        : execution.startDate.getTime() + prepared.timeoutSeconds * 1000;
    if (deadline !== undefined && nowMs() >= deadline) {
      // Ran out of time while the stack was down: nothing runs again.
      void finish(execution, 'TIMED_OUT', {
        error: 'States.Timeout',
        cause: 'The execution ran longer than its TimeoutSeconds.',
      });
      return;
    }
    let machine = execution.runtime.runnable;
    if (from) {
      const definition = structuredClone(prepared.runnable) as Record<string, unknown> & {
        States: Record<string, unknown>;
      };
      definition.States[resumeStateName] = {
        Type: 'Pass',
        // Wrapped: the library passes a falsy Result (null, 0, false) through as if there were none.
        Result: { value: from.input },
        OutputPath: '$.value',
        Next: from.state,
      };
      definition.StartAt = resumeStateName;
      machine = new (lib().StateMachine)(definition as unknown as StateMachineDefinition, {
        validationOptions: { noValidate: true },
      });
      execution.skipEntered = from.state;
      execution.resumeTask = from.task;
      execution.nested = false;
    }
    const handlers: Record<string, LocalHandler> = {};
    for (const [stateName, spec] of prepared.tasks) handlers[stateName] = (i) => runTask(execution, spec, i);
    let parsed: JsonValue = null;
    try {
      parsed = JSON.parse(execution.input) as JsonValue;
    } catch {
      // Checked by StartExecution.
    }
    const started = machine.run(parsed, {
      overrides: {
        taskResourceLocalHandlers: handlers,
        retryIntervalOverrides: opts.retryIntervalOverrides,
        waitTimeOverrides: opts.waitTimeOverrides,
      },
      context: {
        Execution: { Id: execution.arn, Name: execution.name, RoleArn: roleArn },
        StateMachine: { Id: execution.machine.arn, Name: execution.machine.name },
      },
    });
    execution.abort = started.abort;
    if (deadline !== undefined) {
      // The execution's TimeoutSeconds counts from its start, on the stack's clock, across restarts.
      const timer = at(deadline, () => {
        execution.cancels.delete(cancelTimeout);
        const done = finish(execution, 'TIMED_OUT', {
          error: 'States.Timeout',
          cause: 'The execution ran longer than its TimeoutSeconds.',
        });
        execution.abort();
        void done;
      });
      const cancelTimeout = () => cancelTimer(timer);
      execution.cancels.add(cancelTimeout);
    }
    execution.drained = readEvents(execution, started.eventLogs).catch(() => {});
    void started.result.then(
      (output) => finish(execution, 'SUCCEEDED', { output: JSON.stringify(output ?? null) }),
      (err: unknown) => onRunFailed(execution, err),
    );
  };

  const newExecution = (
    machine: Machine,
    runtime: Runtime,
    fields: Pick<Execution, 'name' | 'input' | 'startDate' | 'status'> & Partial<Execution>,
  ): Execution => {
    const execution: Execution = {
      seq: nextSeq++,
      arn: `arn:aws:states:${opts.region}:${opts.accountId}:execution:${machine.name}:${fields.name}`,
      machine,
      runtime,
      events: [],
      nested: false,
      tokens: new Set(),
      retiredTokens: [],
      cancels: new Set(),
      abort: () => {},
      drained: Promise.resolve(),
      ...fields,
    };
    executions.set(execution.arn, execution);
    return execution;
  };

  const launch = (machine: Machine, name: string, input: string): Execution => {
    const execution = newExecution(machine, machine.current, {
      name,
      input,
      startDate: clock.now(),
      status: 'RUNNING',
    });
    running++;
    record(execution, 'ExecutionStarted', {
      executionStartedEventDetails: { inputDetails: { truncated: false }, roleArn },
    });
    save(execution);
    run(execution);
    return execution;
  };

  // ---------- loading what a previous process left ----------

  const runtimeFor = (machine: Machine, hash: string): Runtime | undefined => {
    if (hash === machine.current.hash) return machine.current;
    const known = machine.older.get(hash);
    if (known) return known;
    const text = store?.loadDefinition(hash);
    if (text === undefined) return undefined;
    try {
      const runtime = prepare(machine.name, text, hash);
      machine.older.set(hash, runtime);
      return runtime;
    } catch {
      return undefined;
    }
  };

  if (store) {
    const records = (store.loadExecutions() as StoredExecution[])
      .filter((r) => r?.v === RECORD_VERSION)
      .sort((a, b) => a.seq - b.seq);
    for (const r of records) {
      const machine = machines.get(r.machineArn);
      if (!machine) continue; // a state machine this stack no longer has: left on disk, not served
      const runtime = runtimeFor(machine, r.definitionHash) ?? machine.current;
      nextSeq = Math.max(nextSeq, r.seq);
      const execution = newExecution(machine, runtime, {
        seq: r.seq,
        name: r.name,
        input: r.input,
        startDate: new Date(r.startDate),
        ...(r.stopDate !== undefined && { stopDate: new Date(r.stopDate) }),
        status: r.status,
        ...(r.output !== undefined && { output: r.output }),
        ...(r.error !== undefined && { error: r.error }),
        ...(r.cause !== undefined && { cause: r.cause }),
        events: r.events,
        ...(r.position && { position: r.position }),
        retiredTokens: r.retiredTokens,
      });
      nextSeq = Math.max(nextSeq, r.seq + 1);
      for (const token of r.retiredTokens) retired.add(token);
      if (execution.status !== 'RUNNING') continue;
      running++;
      toResume.push(execution);
      // Tokens handed out before the restart are valid from the start, not only once the Task resumes.
      const position = execution.position;
      const spec = position ? runtime.prepared.tasks.get(position.state) : undefined;
      if (
        position?.task?.token &&
        !position.task.outcome &&
        spec?.kind === 'lambda:invoke.waitForTaskToken'
      ) {
        registerToken(execution, spec, position.task);
      }
    }
  }

  // Executions to carry on run as soon as resume() is called: the interpreter must be loaded by then.
  if (toResume.length > 0) await loadLibrary();

  const resume = (): void => {
    for (const execution of toResume.splice(0)) {
      if (execution.status !== 'RUNNING') continue; // stopped between start and resume
      const position = execution.position;
      if (position && !execution.runtime.prepared.topLevelStates.has(position.state)) {
        void finish(execution, 'FAILED', {
          error: 'States.Runtime',
          cause: 'The execution cannot be resumed: its state is not in its definition.',
        });
        continue;
      }
      run(execution, position);
    }
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
      try {
        JSON.parse(input);
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
      const execution = launch(machine, name, input);
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
      return { stopDate: epochSeconds(e.stopDate ?? clock.now()) };
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
      // On disk before the caller hears 200: after a restart the task is still complete.
      task.checkpoint.outcome = { output: parsed };
      save(task.execution);
      task.resolve(parsed);
      return {};
    },

    SendTaskFailure(body) {
      const task = getPendingTask(body);
      const error = str(body, 'error', { max: 256 }) ?? '';
      const cause = str(body, 'cause', { max: 32_768 }) ?? '';
      retireToken(task);
      task.checkpoint.outcome = { error, cause };
      save(task.execution);
      // TaskFailed is recorded by runTask, like every other task failure.
      task.reject(new TaskError(error, cause));
      return {};
    },

    SendTaskHeartbeat(body) {
      const task = getPendingTask(body);
      if (task.spec.heartbeatSeconds !== undefined) {
        task.checkpoint.heartbeatDeadline = nowMs() + task.spec.heartbeatSeconds * 1000;
        save(task.execution);
        armDeadlines(task);
      }
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
    // Outside the try: an interpreter that cannot be loaded is an unhandled rejection that stops the process with
    // the module's error, not a quiet 500.
    await loadLibrary();
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
    resume,
    clockMoved() {
      for (const t of timers) armTimer(t);
    },
    async close() {
      // Halt, do not end: nothing more is written, so on disk every running execution stays where it was (the
      // same as a kill), and the next start resumes it.
      closing = true;
      for (const t of timers) clearTimeout(t.handle);
      timers.clear();
      for (const execution of executions.values()) {
        if (execution.status !== 'RUNNING') continue;
        for (const token of execution.tokens)
          pending.get(token)?.reject(new StatesRuntimeError('Server closed'));
        for (const cancel of [...execution.cancels]) cancel(new StatesRuntimeError('Server closed'));
        execution.abort();
      }
      pending.clear();
      running = 0;
      wakeIdle();
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
