/**
 * The local Step Functions stand-in, exercised only over the wire with the real SFN client, the way the
 * handlers and CLI will talk to it.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SfnServer, startSfnServer } from '../../local/sfn/server';

class TransientError extends Error {
  override name = 'TransientError';
}
class PermanentError extends Error {
  override name = 'PermanentError';
}

const invoke = (functionName: string, payload: object, extra: object = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: functionName, Payload: payload },
  ...extra,
});

const choiceMachine = {
  StartAt: 'Classify',
  States: {
    Classify: invoke(
      'classify',
      { 'kind.$': '$.kind' },
      { ResultSelector: { 'status.$': '$.Payload.status' }, ResultPath: '$.result', Next: 'Route' },
    ),
    Route: {
      Type: 'Choice',
      Choices: [
        { Variable: '$.result.status', StringEquals: 'QUEUED', Next: 'Queued' },
        { Variable: '$.result.status', StringEquals: 'REJECTED', Next: 'Rejected' },
      ],
      Default: 'Queued',
    },
    Queued: { Type: 'Succeed' },
    Rejected: { Type: 'Fail', Error: 'OrderRejected', Cause: 'rejected at ingest' },
  },
};

const retryMachine = {
  StartAt: 'Flaky',
  States: {
    Flaky: invoke(
      'flaky',
      { 'key.$': '$.key', 'mode.$': '$.mode' },
      {
        ResultSelector: { 'attempts.$': '$.Payload.attempts' },
        ResultPath: '$.result',
        // 5 s between attempts on AWS; retryIntervalOverrides makes it 5 ms here.
        Retry: [{ ErrorEquals: ['TransientError'], IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['PermanentError'], ResultPath: '$.error', Next: 'Handled' }],
        End: true,
      },
    ),
    Handled: { Type: 'Pass', End: true },
  },
};

const approvalMachine = {
  StartAt: 'AwaitApproval',
  States: {
    AwaitApproval: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'notify', Payload: { 'taskToken.$': '$$.Task.Token', 'key.$': '$.key' } },
      ResultPath: '$.approval',
      Catch: [{ ErrorEquals: ['DesignRejected'], ResultPath: '$.error', Next: 'Rejected' }],
      Next: 'Approved',
    },
    Approved: { Type: 'Succeed' },
    Rejected: { Type: 'Pass', End: true },
  },
};

/** The project's own workflow, with DefinitionSubstitutions applied the way CloudFormation would. */
const orderWorkflow = JSON.parse(
  readFileSync(new URL('../../statemachines/order-workflow.asl.json', import.meta.url), 'utf8').replace(
    /\$\{(\w+)\}/g,
    (_m, name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
  ),
) as object;

const calls: Array<{ functionName: string; payload: Record<string, unknown> }> = [];
const attempts = new Map<string, number>();
const tokens = new Map<string, string>();
const ended: string[] = [];

async function invokeFunction(functionName: string, payload: unknown): Promise<unknown> {
  const p = payload as Record<string, unknown>;
  calls.push({ functionName, payload: p });
  switch (functionName) {
    case 'classify':
      if (p.kind === 'broken') throw new PermanentError('classifier is down');
      return { status: p.kind === 'bad' ? 'REJECTED' : 'QUEUED', note: 'output-marker-7f3a' };
    case 'flaky': {
      const key = String(p.key);
      const n = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, n);
      if (p.mode === 'broken') throw new PermanentError('will never work');
      if (p.mode === 'down' || n < 3) throw new TransientError(`attempt ${n} failed`);
      return { attempts: n };
    }
    case 'notify':
      tokens.set(String(p.key), String(p.taskToken));
      return { sent: true };
    default:
      if (functionName.endsWith(':IngestFunctionArn')) {
        if (p.orderId === 'stuck') throw new PermanentError('cannot ingest');
        return { status: 'QUEUED' };
      }
      if (functionName.endsWith(':MarkStuckFunctionArn')) return { ok: true };
      if (functionName.endsWith(':AwaitDesignFunctionArn')) {
        tokens.set(`${p.orderId}:design`, String(p.taskToken));
        return { status: 'QUEUED' };
      }
      if (functionName.endsWith(':QaDesignFunctionArn')) return { passed: true };
      if (functionName.endsWith(':DeliverAndAwaitDecisionFunctionArn')) {
        tokens.set(`${p.orderId}:decision`, String(p.taskToken));
        return { status: 'DELIVERED' };
      }
      if (functionName.endsWith(':ArchiveOrderFunctionArn')) return { status: 'ARCHIVED' };
      throw new Error(`unexpected function ${functionName}`);
  }
}

let server: SfnServer;
let sfn: SFNClient;

beforeAll(async () => {
  server = await startSfnServer({
    region: 'us-east-1',
    accountId: '000000000000',
    stateMachines: [
      { name: 'choice', definition: choiceMachine },
      { name: 'retry', definition: retryMachine },
      { name: 'approval', definition: approvalMachine },
      { name: 'order-workflow', definition: orderWorkflow },
    ],
    invokeFunction,
    retryIntervalOverrides: { Flaky: 5, Ingest: 5, MarkStuck: 5 },
    onExecutionEnd: (e) => ended.push(`${e.executionArn}:${e.status}`),
  });
  sfn = new SFNClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sfn?.destroy();
  await server?.close();
});

const start = async (machine: string, input: object, name?: string): Promise<string> => {
  const out = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: server.stateMachineArn(machine),
      input: JSON.stringify(input),
      name,
    }),
  );
  return out.executionArn ?? '';
};

/** Polls until the execution leaves RUNNING; bounded so a hang fails the test instead of the run. */
const settled = async (executionArn: string, timeoutMs = 30_000): Promise<DescribeExecutionCommandOutput> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== 'RUNNING') return out;
    if (Date.now() > deadline) throw new Error(`execution still RUNNING after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const tokenFor = async (key: string, timeoutMs = 30_000): Promise<string> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const token = tokens.get(key);
    if (token) return token;
    if (Date.now() > deadline) throw new Error(`no task token for ${key} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

const rejection = async (p: Promise<unknown>): Promise<{ name: string; status?: number }> => {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to be rejected');
};

describe('local Step Functions over the wire', () => {
  it('runs Task -> Choice -> Succeed, selecting the Lambda result from $.Payload', async () => {
    const arn = await start('choice', { orderId: 'o-1', kind: 'good' });
    expect(arn).toMatch(/^arn:aws:states:us-east-1:000000000000:execution:choice:[0-9a-f-]{36}$/);
    const out = await settled(arn);
    expect(out.status).toBe('SUCCEEDED');
    expect(JSON.parse(out.output ?? 'null')).toEqual({
      orderId: 'o-1',
      kind: 'good',
      result: { status: 'QUEUED' },
    });
    expect(calls.find((c) => c.functionName === 'classify')?.payload).toEqual({ kind: 'good' });
  });

  it('reports the error name of failed executions (Fail state and uncaught Lambda error)', async () => {
    const viaFail = await settled(await start('choice', { kind: 'bad' }));
    expect(viaFail).toMatchObject({ status: 'FAILED', error: 'OrderRejected', cause: 'rejected at ingest' });

    const viaLambda = await settled(await start('choice', { kind: 'broken' }));
    expect(viaLambda.status).toBe('FAILED');
    expect(viaLambda.error).toBe('PermanentError');
    // What AWS puts in Cause for a failed Lambda.
    expect(JSON.parse(viaLambda.cause ?? '{}')).toEqual({
      errorType: 'PermanentError',
      errorMessage: 'classifier is down',
    });
  });

  it('retries a named error until the 3rd attempt succeeds, and catches another error by name', async () => {
    const t0 = Date.now();
    const ok = await settled(await start('retry', { key: 'r-ok', mode: 'flaky' }));
    expect(ok.status).toBe('SUCCEEDED');
    expect(JSON.parse(ok.output ?? '{}').result).toEqual({ attempts: 3 });
    expect(attempts.get('r-ok')).toBe(3);
    expect(Date.now() - t0).toBeLessThan(2000); // the 5 s / 10 s intervals were overridden

    const caught = await settled(await start('retry', { key: 'r-perm', mode: 'broken' }));
    expect(caught.status).toBe('SUCCEEDED');
    expect(attempts.get('r-perm')).toBe(1); // PermanentError is not in the retrier
    const { error } = JSON.parse(caught.output ?? '{}') as { error: { Error: string; Cause: string } };
    expect(error.Error).toBe('PermanentError');
    expect(JSON.parse(error.Cause)).toMatchObject({ errorType: 'PermanentError' });

    const exhausted = await settled(await start('retry', { key: 'r-down', mode: 'down' }));
    expect(exhausted).toMatchObject({ status: 'FAILED', error: 'TransientError' });
    expect(attempts.get('r-down')).toBe(4); // the first attempt and MaxAttempts retries
  });

  it('runs the project order workflow: ingest, design wait, QA, delivery wait, archive; and failure -> MarkStuck -> OrderStuck', async () => {
    const run = await start('order-workflow', { orderId: 'o-9', accountId: 'a-1' });
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: await tokenFor('o-9:design'),
        output: JSON.stringify({ orderId: 'o-9', version: 1 }),
      }),
    );
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: await tokenFor('o-9:decision'),
        output: JSON.stringify({ orderId: 'o-9', decision: 'accept' }),
      }),
    );
    const archived = await settled(run);
    expect(archived.status).toBe('SUCCEEDED');
    expect(JSON.parse(archived.output ?? '{}')).toEqual({
      orderId: 'o-9',
      accountId: 'a-1',
      ingest: { status: 'QUEUED' },
      design: { version: 1 },
      qa: { passed: true },
      decision: { decision: 'accept' },
    });
    expect(
      calls.filter((c) => c.functionName.endsWith(':ArchiveOrderFunctionArn')).map((c) => c.payload),
    ).toEqual([{ orderId: 'o-9', accountId: 'a-1' }]);

    const stuck = await settled(await start('order-workflow', { orderId: 'stuck', accountId: 'a-1' }));
    expect(stuck).toMatchObject({ status: 'FAILED', error: 'OrderStuck' });
    const markStuck = calls.filter((c) => c.functionName.endsWith(':MarkStuckFunctionArn'));
    expect(markStuck.at(-1)?.payload).toEqual({
      orderId: 'stuck',
      accountId: 'a-1',
      errorName: 'PermanentError',
    });
  });

  it('StartExecution by name is idempotent for the same input while running, and refuses a different input', async () => {
    const input = { key: 'idem-1' };
    const first = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: server.stateMachineArn('approval'),
        name: 'order-idem-1',
        input: JSON.stringify(input),
      }),
    );
    const token = await tokenFor('idem-1');
    const again = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: server.stateMachineArn('approval'),
        name: 'order-idem-1',
        input: JSON.stringify(input),
      }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(calls.filter((c) => c.functionName === 'notify' && c.payload.key === 'idem-1')).toHaveLength(1);

    expect(await rejection(start('approval', { key: 'idem-other' }, 'order-idem-1'))).toEqual({
      name: 'ExecutionAlreadyExists',
      status: 400,
    });

    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{"ok":true}' }));
    expect((await settled(first.executionArn ?? '')).status).toBe('SUCCEEDED');
    // As on AWS, a closed execution's name cannot be started again, even with the same input.
    expect((await rejection(start('approval', input, 'order-idem-1'))).name).toBe('ExecutionAlreadyExists');
  });

  it('completes a waitForTaskToken task with SendTaskSuccess, and catches SendTaskFailure by error name', async () => {
    const okArn = await start('approval', { key: 'tok-ok' });
    const token = await tokenFor('tok-ok');
    expect(token).toMatch(/^AQC/);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: okArn }))).status).toBe('RUNNING');
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    await sfn.send(
      new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify({ approvedBy: 'u-1' }) }),
    );
    const ok = await settled(okArn);
    expect(ok.status).toBe('SUCCEEDED');
    expect(JSON.parse(ok.output ?? '{}')).toEqual({ key: 'tok-ok', approval: { approvedBy: 'u-1' } });

    const noArn = await start('approval', { key: 'tok-no' });
    await sfn.send(
      new SendTaskFailureCommand({
        taskToken: await tokenFor('tok-no'),
        error: 'DesignRejected',
        cause: 'margin',
      }),
    );
    const no = await settled(noArn);
    expect(no.status).toBe('SUCCEEDED');
    expect(JSON.parse(no.output ?? '{}').error).toEqual({ Error: 'DesignRejected', Cause: 'margin' });

    const failedArn = await start('approval', { key: 'tok-uncaught' });
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: await tokenFor('tok-uncaught'), error: 'LeaseLost' }),
    );
    expect(await settled(failedArn)).toMatchObject({ status: 'FAILED', error: 'LeaseLost' });

    // A completed token is gone: AWS answers TaskTimedOut.
    expect(
      (await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })))).name,
    ).toBe('TaskTimedOut');
  });

  it('rejects unknown and malformed task tokens, and invalid output', async () => {
    const unknown = `AQC${'A'.repeat(128)}`;
    expect(
      await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: unknown, output: '{}' }))),
    ).toEqual({
      name: 'TaskDoesNotExist',
      status: 400,
    });
    expect((await rejection(sfn.send(new SendTaskFailureCommand({ taskToken: 'not-a-token' })))).name).toBe(
      'InvalidToken',
    );
    expect((await rejection(sfn.send(new SendTaskHeartbeatCommand({ taskToken: unknown })))).name).toBe(
      'TaskDoesNotExist',
    );

    const arn = await start('approval', { key: 'tok-bad-output' });
    const token = await tokenFor('tok-bad-output');
    expect(
      (await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{nope' })))).name,
    ).toBe('InvalidOutput');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '1' }));
    expect((await settled(arn)).status).toBe('SUCCEEDED');
  });

  it('StopExecution aborts a waiting execution and retires its token', async () => {
    const arn = await start('approval', { key: 'tok-stop' });
    const token = await tokenFor('tok-stop');
    await sfn.send(new StopExecutionCommand({ executionArn: arn, error: 'OrderCancelled' }));
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
    expect(out).toMatchObject({ status: 'ABORTED', error: 'OrderCancelled' });
    expect(
      (await rejection(sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: '{}' })))).name,
    ).toBe('TaskTimedOut');

    const aborted = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn: server.stateMachineArn('approval'),
        statusFilter: 'ABORTED',
      }),
    );
    expect(aborted.executions?.map((e) => e.executionArn)).toEqual([arn]);
    await server.idle();
    expect(ended).toContain(`${arn}:ABORTED`);
  });

  it('GetExecutionHistory names the states and tasks but carries no input or output', async () => {
    const arn = await start('choice', { orderId: 'o-hist', kind: 'good', secret: 'input-marker-c91e' });
    expect((await settled(arn)).status).toBe('SUCCEEDED');
    const { events = [] } = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arn, includeExecutionData: true }),
    );
    expect(events.map((e) => e.type)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((e) => e.id)).toEqual(events.map((_e, i) => i + 1));
    expect(events[1]?.stateEnteredEventDetails?.name).toBe('Classify');
    const text = JSON.stringify(events);
    expect(text).not.toContain('input-marker-c91e');
    expect(text).not.toContain('output-marker-7f3a');
    expect(text).not.toMatch(/"(input|output|parameters)"/);

    const failed = await settled(await start('retry', { key: 'r-hist', mode: 'down' }));
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: failed.executionArn }));
    const types = history.events?.map((e) => e.type) ?? [];
    expect(types.filter((t) => t === 'TaskFailed')).toHaveLength(4);
    expect(types.at(-1)).toBe('ExecutionFailed');
    expect(history.events?.at(-1)?.executionFailedEventDetails).toEqual({ error: 'TransientError' });
    expect(JSON.stringify(history.events)).not.toContain('attempt 1 failed'); // no causes either
  });

  it('describes and lists state machines, and refuses unknown machines and unsigned requests', async () => {
    const described = await sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: server.stateMachineArn('approval') }),
    );
    expect(described).toMatchObject({ name: 'approval', status: 'ACTIVE', type: 'STANDARD' });
    // The definition as given: the local token rewriting does not leak out.
    expect(JSON.parse(described.definition ?? '{}')).toEqual(approvalMachine);
    const listed = await sfn.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((m) => m.name)).toEqual([
      'choice',
      'retry',
      'approval',
      'order-workflow',
    ]);

    const missing = 'arn:aws:states:us-east-1:000000000000:stateMachine:nope';
    expect(
      await rejection(sfn.send(new StartExecutionCommand({ stateMachineArn: missing, input: '{}' }))),
    ).toEqual({ name: 'StateMachineDoesNotExist', status: 400 });
    expect(
      (
        await rejection(
          sfn.send(
            new StartExecutionCommand({ stateMachineArn: server.stateMachineArn('choice'), input: '{' }),
          ),
        )
      ).name,
    ).toBe('InvalidExecutionInput');

    const unsigned = await fetch(server.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AWSStepFunctions.ListStateMachines',
      },
      body: '{}',
    });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { __type: string }).__type).toBe(
      'MissingAuthenticationTokenException',
    );
  });

  it('refuses, at start-up, definitions the library would run wrongly', async () => {
    const single = (state: object) => ({
      region: 'us-east-1',
      accountId: '000000000000',
      invokeFunction,
      stateMachines: [{ name: 'bad', definition: { StartAt: 'S', States: { S: { ...state, End: true } } } }],
    });
    await expect(
      startSfnServer(single({ Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: {} })),
    ).rejects.toThrow(/not supported locally/);
    await expect(
      startSfnServer(
        single({
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: 'f' },
        }),
      ),
    ).rejects.toThrow(/must pass "\$\$\.Task\.Token"/);
    await expect(
      startSfnServer({
        ...single({ Type: 'Pass' }),
        stateMachines: [
          {
            name: 'jsonata',
            definition: {
              QueryLanguage: 'JSONata',
              StartAt: 'S',
              States: { S: { Type: 'Pass', End: true } },
            },
          },
        ],
      }),
    ).rejects.toThrow(/JSONata/);
  });

  it('validates every definition the validation cache has not seen: an invalid one is refused with a cache in place', async () => {
    // Prepare: a cache holding one passed definition, under the same machine name the invalid one will use.
    const cacheDir = mkdtempSync(join(tmpdir(), 'caseline-asl-cache-'));
    const withDefinition = (definition: object) => ({
      region: 'us-east-1',
      accountId: '000000000000',
      invokeFunction,
      validationCacheDir: cacheDir,
      stateMachines: [{ name: 'cached', definition }],
    });
    try {
      const passed = await startSfnServer(
        withDefinition({ StartAt: 'S', States: { S: { Type: 'Pass', End: true } } }),
      );
      await passed.close();
      expect(readdirSync(cacheDir)).toHaveLength(1);

      // Act: one field changed, to a transition the validator refuses (prepareDefinition does not check it).
      const refused = startSfnServer(
        withDefinition({ StartAt: 'S', States: { S: { Type: 'Pass', Next: 'Nowhere' } } }),
      );

      // Assess: refused by the validator, every time, and the failure is not remembered.
      await expect(refused).rejects.toThrow(/MISSING_TRANSITION_TARGET/);
      await expect(
        startSfnServer(withDefinition({ StartAt: 'S', States: { S: { Type: 'Pass', Next: 'Nowhere' } } })),
      ).rejects.toThrow(/MISSING_TRANSITION_TARGET/);
      expect(readdirSync(cacheDir)).toHaveLength(1);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  });
});
