/**
 * The Step Functions stand-in's store: what a process killed mid-write leaves behind never replaces or
 * corrupts a record, and a record that cannot be read stops the start instead of vanishing.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SfnStore, sha256Hex } from '../../local/sfn/store';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'caseline-sfn-store-'));
  dirs.push(dir);
  return dir;
};

describe('SfnStore', () => {
  it('keeps the last whole record when a write was cut off, and clears the torn temporary file', () => {
    // Prepare: a saved record, then what a kill during the next write leaves: a half-written temp file.
    const dir = newDir();
    const store = new SfnStore(dir);
    store.saveExecution(
      'arn:aws:states:us-east-1:000000000000:execution:m:e-1',
      { seq: 1, status: 'RUNNING' },
      true,
    );
    const executions = join(dir, 'executions');
    const [file] = readdirSync(executions);
    writeFileSync(join(executions, `${file}.4242.tmp`), '{"seq":1,"status":"SUCC');
    // Act
    const loaded = new SfnStore(dir).loadExecutions();
    // Assess
    expect(loaded).toEqual([{ seq: 1, status: 'RUNNING' }]);
    expect(readdirSync(executions)).toEqual([file]);
  });

  it('replaces a record whole on every save', () => {
    const dir = newDir();
    const store = new SfnStore(dir);
    const arn = 'arn:aws:states:us-east-1:000000000000:execution:m:e-2';
    store.saveExecution(arn, { seq: 2, status: 'RUNNING', events: [1, 2, 3] }, true);
    store.saveExecution(arn, { seq: 2, status: 'SUCCEEDED' }, false);
    expect(store.loadExecutions()).toEqual([{ seq: 2, status: 'SUCCEEDED' }]);
  });

  it('refuses to start over a record it cannot read, naming the file', () => {
    const dir = newDir();
    new SfnStore(dir);
    writeFileSync(join(dir, 'executions', 'broken.json'), '{"seq":');
    expect(() => new SfnStore(dir).loadExecutions()).toThrow(/broken\.json/);
  });

  it('stores a definition once by its hash and never returns one that does not match it', () => {
    const dir = newDir();
    const store = new SfnStore(dir);
    const text = JSON.stringify({ StartAt: 'S', States: { S: { Type: 'Succeed' } } });
    const hash = store.saveDefinition(text);
    expect(hash).toBe(sha256Hex(text));
    expect(store.loadDefinition(hash)).toBe(text);
    writeFileSync(join(dir, 'definitions', `${hash}.json`), text.replace('Succeed', 'Fail'));
    expect(store.loadDefinition(hash)).toBeUndefined();
    expect(store.loadDefinition('../../etc/passwd')).toBeUndefined();
  });
});
