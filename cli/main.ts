/**
 * caseline: the command-line client for labs (designers' commands join it later).
 *
 *   npx caseline login lab.acme                      (local stack: a token for a seeded user)
 *   npx caseline create --case C-1001 --patient JD --item crown:36:zirconia:A2 [--rush] [--notes "..."]
 *   npx caseline upload ORDER_ID FILE...             (progress bar; multipart for large files; resumable)
 *   npx caseline submit ORDER_ID
 *   npx caseline list [--status QUEUED]
 *   npx caseline show ORDER_ID
 *   npx caseline cancel ORDER_ID
 *
 * CASELINE_API (default http://127.0.0.1:4000) and CASELINE_TOKEN (or the token `login` saved)
 * say where and who. Errors print the API's message, never a stack trace.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

const API = (process.env.CASELINE_API ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
const TOKEN_FILE = join(process.env.CASELINE_HOME ?? join(homedir(), '.caseline'), 'token.json');

export class CliError extends Error {
  override readonly name = 'CliError';
}

const out = (line: string) => process.stdout.write(`${line}\n`);

const token = (): string => {
  if (process.env.CASELINE_TOKEN) return process.env.CASELINE_TOKEN;
  if (existsSync(TOKEN_FILE))
    return (JSON.parse(readFileSync(TOKEN_FILE, 'utf8')) as { accessToken: string }).accessToken;
  throw new CliError('Not signed in: run `caseline login <username>` or set CASELINE_TOKEN.');
};

const call = async <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  auth = true,
): Promise<T> => {
  let res: Response;
  try {
    res = await fetch(`${API}${path}`, {
      method,
      headers: {
        ...(auth ? { authorization: `Bearer ${token()}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new CliError(`Cannot reach ${API}. Is the service running (npm start)?`);
  }
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!res.ok) {
    const fields = (parsed.fields as { field: string; message: string }[] | undefined) ?? [];
    const detail = fields.length ? `\n${fields.map((f) => `  - ${f.field}: ${f.message}`).join('\n')}` : '';
    const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${res.status}`;
    throw new CliError(`${message}${fields.length > 1 ? detail : ''}`);
  }
  return parsed as T;
};

const fileSha256 = async (path: string): Promise<string> => {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
};

/** A one-line progress bar on a terminal; plain percentage lines otherwise (CI, pipes). */
export class Progress {
  private last = -1;
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}
  update(done: number) {
    const pct = this.total ? Math.floor((done / this.total) * 100) : 100;
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      this.stream.write(
        `\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${(done / 1048576).toFixed(1)}/${(this.total / 1048576).toFixed(1)} MB`,
      );
    } else if (pct >= this.last + 10 || (pct === 100 && this.last !== 100)) {
      this.stream.write(`${this.label} ${pct}%\n`);
    } else return;
    this.last = pct;
  }
  finish() {
    this.update(this.total);
    if (this.stream.isTTY) this.stream.write('\n');
  }
}

const counting = (path: string, start: number, end: number, onBytes: (n: number) => void) => {
  const stream = createReadStream(path, { start, end: end - 1 });
  stream.on('data', (chunk) => onBytes((chunk as Buffer).length));
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
};

const putWithRetry = async (
  url: string,
  headers: Record<string, string>,
  body: () => ReadableStream<Uint8Array>,
  length: number,
) => {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'PUT',
        headers: { ...headers, 'content-length': String(length) },
        body: body(),
        duplex: 'half',
      } as RequestInit);
      if (res.ok) return res.headers.get('etag') ?? '';
      if (res.status < 500 || attempt >= 3)
        throw new CliError(`Storage refused the upload (HTTP ${res.status}).`);
    } catch (error) {
      if (error instanceof CliError || attempt >= 3)
        throw error instanceof CliError
          ? error
          : new CliError('Upload interrupted: run the same command again to resume.');
    }
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
};

interface DeclaredUpload {
  fileId: string;
  upload:
    | { mode: 'single'; url: string; headers: Record<string, string> }
    | { mode: 'multipart'; partSize: number; partCount: number };
}

interface PartsPage {
  partSize: number;
  partCount: number;
  completed: { partNumber: number; etag: string }[];
  parts: { partNumber: number; url: string }[];
}

/** Uploads one file; a multipart upload records each finished part so a rerun resumes. */
export const uploadFile = async (
  orderId: string,
  path: string,
  opts: { resumeFileId?: string; quiet?: boolean } = {},
) => {
  const { size } = statSync(path);
  const progress = new Progress(
    basename(path),
    size,
    opts.quiet ? ({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream) : process.stderr,
  );
  let fileId = opts.resumeFileId;
  if (!fileId) {
    const sha256 = await fileSha256(path);
    const declared = await call<DeclaredUpload>('POST', `/orders/${orderId}/uploads`, {
      name: basename(path),
      sizeBytes: size,
      sha256,
    });
    fileId = declared.fileId;
    if (declared.upload.mode === 'single') {
      const { url, headers } = declared.upload;
      const { 'content-length': _len, ...signed } = headers;
      await putWithRetry(
        url,
        signed,
        () => {
          // Each attempt counts from zero again, so a retried body is not counted twice.
          let done = 0;
          return counting(path, 0, size, (n) => {
            done += n;
            progress.update(done);
          });
        },
        size,
      );
      progress.finish();
      await call('POST', `/orders/${orderId}/uploads/${fileId}/complete`, {});
      return fileId;
    }
  }
  let page = await call<PartsPage>('POST', `/orders/${orderId}/uploads/${fileId}/parts`, {});
  const done = new Map(page.completed.map((p) => [p.partNumber, p.etag]));
  const partBytes = (n: number) => Math.min(page.partSize, size - (n - 1) * page.partSize);
  let sent = [...done.keys()].reduce((s, n) => s + partBytes(n), 0);
  progress.update(sent);
  while (page.parts.length) {
    const finished: { partNumber: number; etag: string }[] = [];
    for (const part of page.parts) {
      const start = (part.partNumber - 1) * page.partSize;
      const length = partBytes(part.partNumber);
      const etag = await putWithRetry(
        part.url,
        {},
        () => {
          let partSent = 0;
          return counting(path, start, start + length, (n) => {
            partSent += n;
            progress.update(sent + partSent);
          });
        },
        length,
      ).catch(async (error: unknown) => {
        // Keep what finished, so the next run resumes after it.
        if (finished.length)
          await call('POST', `/orders/${orderId}/uploads/${fileId}/parts`, {
            completed: finished,
            partNumbers: [],
          });
        throw new CliError(
          `${error instanceof Error ? error.message : 'Upload failed'} Resume with: caseline upload ${orderId} ${path} --resume ${fileId}`,
        );
      });
      sent += length;
      finished.push({ partNumber: part.partNumber, etag });
      done.set(part.partNumber, etag);
    }
    page = await call<PartsPage>('POST', `/orders/${orderId}/uploads/${fileId}/parts`, {
      completed: finished,
    });
  }
  progress.finish();
  await call('POST', `/orders/${orderId}/uploads/${fileId}/complete`, {
    parts: [...done].map(([partNumber, etag]) => ({ partNumber, etag })),
  });
  return fileId;
};

const parseItem = (spec: string) => {
  // type:teeth:material[:shade], teeth separated by '+', e.g. bridge:34+35+36:zirconia:A3
  const [type, teeth, material, shade] = spec.split(':');
  if (!type || !material)
    throw new CliError(`--item ${spec}: use type:teeth:material[:shade], e.g. crown:36:zirconia:A2`);
  return {
    type,
    ...(teeth ? { teeth: teeth.split('+').map((t) => (/^\d+$/.test(t) ? Number(t) : t)) } : {}),
    material,
    ...(shade ? { shade } : {}),
  };
};

export const run = async (argv: string[]): Promise<void> => {
  const [command, ...rest] = argv;
  switch (command) {
    case 'login': {
      const username = rest[0];
      if (!username)
        throw new CliError('Usage: caseline login <username>  (local stack: see GET /local/users)');
      const res = await call<{ accessToken: string; expiresIn: number }>(
        'POST',
        '/local/token',
        { username },
        false,
      );
      mkdirSync(join(TOKEN_FILE, '..'), { recursive: true });
      writeFileSync(TOKEN_FILE, JSON.stringify(res), { mode: 0o600 });
      out(`Signed in as ${username} for ${Math.round(res.expiresIn / 60)} minutes.`);
      return;
    }
    case 'create': {
      const { values } = parseArgs({
        args: rest,
        options: {
          case: { type: 'string' },
          patient: { type: 'string' },
          item: { type: 'string', multiple: true },
          numbering: { type: 'string' },
          rush: { type: 'boolean', default: false },
          notes: { type: 'string' },
          remake: { type: 'boolean', default: false },
        },
      });
      const order = await call<{ orderId: string; status: string }>('POST', '/orders', {
        caseRef: values.case,
        patientRef: values.patient,
        items: (values.item ?? []).map(parseItem),
        ...(values.numbering ? { toothNumbering: values.numbering } : {}),
        turnaround: values.rush ? 'rush' : 'standard',
        ...(values.notes ? { notes: values.notes } : {}),
        ...(values.remake ? { remake: true } : {}),
      });
      out(`Created order ${order.orderId} (${order.status}).`);
      return;
    }
    case 'upload': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { resume: { type: 'string' } },
      });
      const [orderId, ...paths] = positionals;
      if (!orderId || !paths.length)
        throw new CliError('Usage: caseline upload ORDER_ID FILE... [--resume FILE_ID]');
      for (const path of paths) {
        if (!existsSync(path)) throw new CliError(`${path}: no such file.`);
        const fileId = await uploadFile(orderId, path, values.resume ? { resumeFileId: values.resume } : {});
        out(`Uploaded ${basename(path)} as ${fileId}.`);
      }
      return;
    }
    case 'submit': {
      const orderId = rest[0];
      if (!orderId) throw new CliError('Usage: caseline submit ORDER_ID');
      const res = await call<{ status: string; dueAt?: string }>('POST', `/orders/${orderId}/submit`);
      out(`Submitted ${orderId}: ${res.status}${res.dueAt ? `, due ${res.dueAt}` : ''}.`);
      return;
    }
    case 'list': {
      const { values } = parseArgs({
        args: rest,
        options: { status: { type: 'string' }, limit: { type: 'string' } },
      });
      const qs = new URLSearchParams({
        ...(values.status ? { status: values.status } : {}),
        ...(values.limit ? { limit: values.limit } : {}),
      });
      const res = await call<{
        orders: { orderId: string; caseRef: string; status: string; dueAt?: string }[];
      }>('GET', `/orders${qs.size ? `?${qs}` : ''}`);
      for (const o of res.orders)
        out(`${o.orderId}  ${o.caseRef.padEnd(16)} ${o.status.padEnd(10)} ${o.dueAt ?? ''}`);
      if (!res.orders.length) out('No orders.');
      return;
    }
    case 'show': {
      const orderId = rest[0];
      if (!orderId) throw new CliError('Usage: caseline show ORDER_ID');
      out(JSON.stringify(await call('GET', `/orders/${orderId}`), null, 2));
      return;
    }
    case 'cancel': {
      const orderId = rest[0];
      if (!orderId) throw new CliError('Usage: caseline cancel ORDER_ID');
      await call('DELETE', `/orders/${orderId}`);
      out(`Cancelled ${orderId}.`);
      return;
    }
    default:
      throw new CliError(
        'Commands: login, create, upload, submit, list, show, cancel. See cli/main.ts for options.',
      );
  }
};

export const main = (argv: string[]) =>
  run(argv).catch((error: unknown) => {
    process.stderr.write(
      `caseline: ${error instanceof CliError ? error.message : 'unexpected failure; run again or report it'}\n`,
    );
    process.exitCode = 1;
  });

if (process.argv[1] && /cli[/\\]main\.ts$/.test(process.argv[1])) void main(process.argv.slice(2));
