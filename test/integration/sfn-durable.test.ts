/**
 * The Step Functions stand-in keeps its executions in a data dir and carries them on after a restart, as AWS
 * does: tokens issued before the restart still complete their task, deadlines are measured on the stack's
 * clock across the restart, retry counters survive, and a Task the process died in runs again. Over the wire,
 * with the real SFN client; each "restart" is a second server on the same directory after the first closed
 * (close() writes nothing more, which is what a kill leaves on disk too; the npm start test kills for real).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import { type SfnServer, startSfnServer } from '../../local/sfn/server';

class TransientError extends Error {
  override name = 'TransientError';
}

const approval = {
  StartAt: 'AwaitApproval',
  States: {
    AwaitApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'notify', Payload: { 'taskToken.$': '$$.Task.Token', 'key.$': '$.key' } },
      ResultPath: '$.approval',
      Next: 'Approved',
    },
    Approved: { Type: 'Succeed' },
  },
};

const heartbeat = {
  StartAt: 'AwaitDesigner',
  States: {
    AwaitDesigner: {
      ...approval.States.AwaitApproval,
      HeartbeatSeconds: 600,
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

/** The whole execution may take an hour. */
const deadline = { ...approval, TimeoutSeconds: 3600 };

const work = {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'work', Payload: { 'key.$': '$.key' } },
      ResultSelector: { 'done.$': '$.Payload.done' },
      ResultPath: '$.work',
      // An hour between attempts, one retry: the wait and the counter must both outlive the restart.
      Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 3600, MaxAttempts: 1 }],
      End: true,
    },
  },
};

/** The stack's clock, moved by hand. */
const clock = { t: Date.parse('2026-06-01T09:00:00Z'), now: () => new Date(clock.t) };

const tokens = new Map<string, string>();
const workCalls = new Map<string, number>();
const notifyCalls = new Map<string, number>();
/** Work calls that never answer (the process "dies" while they run). */
const hang = new Set<string>();
const fail = new Set<string>();

async function invokeFunction(functionName: string, payload: unknown): Promise<unknown> {
  const p = payload as Record<string, string>;
  const key = String(p.key);
  if (functionName === 'notify') {
    notifyCalls.set(key, (notifyCalls.get(key) ?? 0) + 1);
    tokens.set(key, String(p.taskToken));
    return { sent: true };
  }
  workCalls.set(key, (workCalls.get(key) ?? 0) + 1);
  if (hang.has(key)) return new Promise(() => {});
  if (fail.has(key)) throw new TransientError(`attempt ${workCalls.get(key)} failed`);
  return { done: true };
}

const servers: SfnServer[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const startServer = async (dataDir: string) => {
  const server = await startSfnServer({
    region: 'us-east-1',
    accountId: '000000000000',
    stateMachines: [
      { name: 'approval', definition: approval },
      { name: 'heartbeat', definition: heartbeat },
      { name: 'work', definition: work },
      { name: 'deadline', definition: deadline },
    ],
    invokeFunction,
    dataDir,
    clock,
  });
  servers.push(server);
  const sfn = new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    maxAttempts: 1,
  });
  const start = async (machine: string, key: string) =>
    (
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: server.stateMachineArn(machine),
          name: `${machine}-${key}`,
          input: JSON.stringify({ key }),
        }),
      )
    ).executionArn ?? '';
  const describe = (executionArn: string) => sfn.send(new DescribeExecutionCommand({ executionArn }));
  /** Polls until the execution leaves RUNNING, bounded. */
  const settled = async (executionArn: string): Promise<DescribeExecutionCommandOutput> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const out = await describe(executionArn);
      if (out.status !== 'RUNNING') return out;
      if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const history = async (executionArn: string) =>
    (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
  return { server, sfn, start, describe, settled, history };
};

/** Bounded wait for a condition the server reaches asynchronously. */
const until = async <T>(what: string, check: () => T | undefined | Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within 30 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const restart = async (before: { server: SfnServer; sfn: SFNClient }, dataDir: string) => {
  before.sfn.destroy();
  await before.server.close();
  const after = await startServer(dataDir);
  after.server.resume();
  return after;
};

const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'caseline-sfn-'));
  dirs.push(dir);
  return dir;
};

describe('local Step Functions across a restart', () => {
  it('completes an execution with a task token issued before the restart, keeping its history', async () => {
    // Prepare
    const dir = newDir();
    const first = await startServer(dir);
    const arn = await first.start('approval', 'k-1');
    const token = await until('token', () => tokens.get('k-1'));
    // The function that got the token has returned: after the restart it must not be invoked again.
    await until('TaskSubmitted', async () =>
      (await first.history(arn)).some((e) => e.type === 'TaskSubmitted') ? true : undefined,
    );
    // Act
    const second = await restart(first, dir);
    expect((await second.describe(arn)).status).toBe('RUNNING');
    await second.sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await second.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"by":"u-1"}' }));
    // Assess
    const out = await second.settled(arn);
    expect(out.status).toBe('SUCCEEDED');
    expect(JSON.parse(out.output ?? '{}')).toEqual({ key: 'k-1', approval: { by: 'u-1' } });
    const types = (await second.history(arn)).map((e) => e.type);
    expect(types.filter((t) => t === 'ExecutionStarted')).toHaveLength(1);
    expect(types.filter((t) => t === 'TaskStateEntered')).toHaveLength(1);
    expect(types).toEqual(expect.arrayContaining(['TaskScheduled', 'TaskSucceeded', 'ExecutionSucceeded']));
    const ids = (await second.history(arn)).map((e) => e.id);
    expect(ids).toEqual(ids.map((_id, i) => i + 1));
    // The function that received the token was not invoked again.
    expect(notifyCalls.get('k-1')).toBe(1);
    // A completed token stays completed after another restart, and the closed execution is still listed.
    const third = await restart(second, dir);
    expect((await third.describe(arn)).status).toBe('SUCCEEDED');
    const listed = await third.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: third.server.stateMachineArn('approval') }),
    );
    expect(listed.executions?.map((e) => e.executionArn)).toContain(arn);
    await expect(
      third.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    third.sfn.destroy();
  });

  it('fails the task with States.Timeout when its heartbeat deadline passed, on the stack clock, across a restart', async () => {
    // Prepare: two designers' waits with HeartbeatSeconds 600; one heartbeats just before the restart.
    const dir = newDir();
    const first = await startServer(dir);
    const late = await first.start('heartbeat', 'hb-late');
    const alive = await first.start('heartbeat', 'hb-alive');
    await until('tokens', () => (tokens.has('hb-late') && tokens.has('hb-alive') ? true : undefined));
    clock.t += 300_000;
    await first.sfn.send(new SendTaskHeartbeatCommand({ taskToken: tokens.get('hb-alive') }));
    // Act: down for 6 more minutes of stack time (11 since the late one's last sign of life).
    first.sfn.destroy();
    await first.server.close();
    clock.t += 360_000;
    const second = await startServer(dir);
    second.server.resume();
    // Assess
    const timedOut = await second.settled(late);
    expect(timedOut).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect((await second.history(late)).map((e) => e.type)).toContain('TaskTimedOut');
    expect((await second.describe(alive)).status).toBe('RUNNING');
    await expect(
      second.sfn.send(new SendTaskSuccessCommand({ taskToken: tokens.get('hb-late'), output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    // The heartbeat before the restart moved its deadline: it can still complete.
    await second.sfn.send(
      new SendTaskSuccessCommand({ taskToken: tokens.get('hb-alive'), output: '{"ok":true}' }),
    );
    expect((await second.settled(alive)).status).toBe('SUCCEEDED');
    second.sfn.destroy();
  });

  it('times an execution out by its TimeoutSeconds when the hour ran out while the stack was down', async () => {
    // Prepare
    const dir = newDir();
    const first = await startServer(dir);
    const expired = await first.start('deadline', 'dl-expired');
    await until('token', () => tokens.get('dl-expired'));
    first.sfn.destroy();
    await first.server.close();
    clock.t += 3_601_000;
    // Act
    const second = await startServer(dir);
    second.server.resume();
    // Assess
    expect(await second.settled(expired)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    const last = (await second.history(expired)).at(-1);
    expect(last?.type).toBe('ExecutionTimedOut');
    // ... and one started now times out when the stack's clock passes its hour, without waiting an hour.
    const fresh = await second.start('deadline', 'dl-fresh');
    await until('token', () => tokens.get('dl-fresh'));
    clock.t += 3_601_000;
    second.server.clockMoved();
    expect(await second.settled(fresh)).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    await expect(
      second.sfn.send(new SendTaskSuccessCommand({ taskToken: tokens.get('dl-fresh'), output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    second.sfn.destroy();
  });

  it('runs a Task the process died in again, and keeps retry counters and intervals across the restart', async () => {
    // Prepare: one execution is inside its Task when the server goes; another has failed once and waits an
    // hour of stack time before its one retry.
    const dir = newDir();
    hang.add('mid-task');
    fail.add('retried');
    const first = await startServer(dir);
    const midTask = await first.start('work', 'mid-task');
    const retried = await first.start('work', 'retried');
    await until('both calls', () =>
      workCalls.get('mid-task') === 1 && workCalls.get('retried') === 1 ? true : undefined,
    );
    // The failed attempt is in the history (its retry was scheduled in the same step).
    await until('the first attempt failed', async () =>
      (await first.history(retried)).some((e) => e.type === 'TaskFailed') ? true : undefined,
    );
    hang.delete('mid-task');
    // Act
    const second = await restart(first, dir);
    // Assess: the interrupted Task ran again and finished.
    const done = await second.settled(midTask);
    expect(done.status).toBe('SUCCEEDED');
    expect(JSON.parse(done.output ?? '{}')).toEqual({ key: 'mid-task', work: { done: true } });
    expect(workCalls.get('mid-task')).toBe(2);
    // The retry waits its hour on the stack's clock, then it is the last one (MaxAttempts 1 was used before).
    expect((await second.describe(retried)).status).toBe('RUNNING');
    expect(workCalls.get('retried')).toBe(1);
    clock.t += 3_600_000;
    second.server.clockMoved();
    const failed = await second.settled(retried);
    expect(failed).toMatchObject({ status: 'FAILED', error: 'TransientError' });
    expect(workCalls.get('retried')).toBe(2);
    second.sfn.destroy();
  });
});
