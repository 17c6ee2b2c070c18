/**
 * Where the Step Functions stand-in keeps executions on disk: one JSON file per execution (its record, position,
 * task token and history) and one per state machine definition an execution started with.
 *
 * Every write goes to a temporary file that is fsynced and then renamed over the old one (and the directory
 * fsynced when the name is new), so a process killed mid-write (SIGKILL) leaves either the old or the new
 * version, never a torn one. Temporary files a kill left behind are removed on load.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const TMP_SUFFIX = '.tmp';

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Writes `text` to `file` so that a killed process leaves the old content or the new, whole. With `durable`
 * (the default) the data is fsynced before the rename, so a machine crash cannot lose what was acknowledged.
 */
export function writeFileAtomic(file: string, text: string, durable = true): void {
  const tmp = `${file}.${process.pid}${TMP_SUFFIX}`;
  const isNew = !existsSync(file);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  if (isNew && durable) fsyncDir(join(file, '..'));
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Not every platform can fsync a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class SfnStore {
  private readonly executionsDir: string;
  private readonly definitionsDir: string;

  constructor(dir: string) {
    this.executionsDir = join(dir, 'executions');
    this.definitionsDir = join(dir, 'definitions');
    mkdirSync(this.executionsDir, { recursive: true });
    mkdirSync(this.definitionsDir, { recursive: true });
  }

  /** Stores a definition by its hash (once); returns the hash. */
  saveDefinition(text: string): string {
    const hash = sha256Hex(text);
    const file = join(this.definitionsDir, `${hash}.json`);
    if (!existsSync(file)) writeFileAtomic(file, text);
    return hash;
  }

  loadDefinition(hash: string): string | undefined {
    const file = join(this.definitionsDir, `${hash}.json`);
    if (!/^[0-9a-f]{64}$/.test(hash) || !existsSync(file)) return undefined;
    const text = readFileSync(file, 'utf8');
    return sha256Hex(text) === hash ? text : undefined;
  }

  saveExecution(arn: string, record: object, durable: boolean): void {
    writeFileAtomic(join(this.executionsDir, `${sha256Hex(arn)}.json`), JSON.stringify(record), durable);
  }

  /** Every stored execution record; a file that cannot be read is an error naming it, never silently dropped. */
  loadExecutions(): unknown[] {
    const records: unknown[] = [];
    for (const dir of [this.executionsDir, this.definitionsDir]) {
      for (const name of readdirSync(dir)) {
        if (name.endsWith(TMP_SUFFIX)) rmSync(join(dir, name), { force: true });
      }
    }
    for (const name of readdirSync(this.executionsDir)) {
      if (!name.endsWith('.json')) continue;
      const file = join(this.executionsDir, name);
      try {
        records.push(JSON.parse(readFileSync(file, 'utf8')));
      } catch (err) {
        throw new Error(`local Step Functions: cannot read ${file}: ${(err as Error).message}`);
      }
    }
    return records;
  }
}
