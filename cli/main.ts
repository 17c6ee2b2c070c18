/**
 * caseline: the command-line client for labs and designers.
 *
 *   npx caseline login lab.acme                      (local stack: a token for a seeded user)
 *
 * Labs:
 *   npx caseline create --case C-1001 --patient JD --item crown:36:zirconia:A2 [--rush] [--notes "..."]
 *                       (--item type:teeth:material[:shade], teeth joined by '+';
 *                        items on an arch: type@arch:material[:shade], e.g. splint-night-guard@upper:pmma,
 *                        or type@arch:teeth:material[:shade], e.g. model@lower:36+37:print-resin)
 *   npx caseline upload ORDER_ID FILE...             (progress bar; multipart for large files; resumable)
 *   npx caseline submit ORDER_ID
 *   npx caseline list [--status QUEUED]
 *   npx caseline show ORDER_ID
 *   npx caseline cancel ORDER_ID
 *   npx caseline scans ORDER_ID [--out DIR]          (downloads the order's own scans, SHA-256 checked)
 *   npx caseline deliverables ORDER_ID [--out DIR]   (downloads the delivered version, SHA-256 checked)
 *   npx caseline accept ORDER_ID
 *   npx caseline revise ORDER_ID --reason contacts [--comment "..."]
 *                       (reasons: fit-margins, contacts, occlusion, anatomy, shade-material, wrong-tooth, other)
 *
 * Designers:
 *   npx caseline claim                               (leases the most urgent order that fits your skills)
 *   npx caseline assignments
 *   npx caseline assignment ORDER_ID
 *   npx caseline heartbeat ORDER_ID                  (extends the lease)
 *   npx caseline download ORDER_ID [--out DIR]       (the order's scans, SHA-256 checked)
 *   npx caseline hand-in ORDER_ID FILE...            (the design: STL, PLY or OBJ, plus an optional PDF report)
 *   npx caseline submit-design ORDER_ID
 *   npx caseline release ORDER_ID                    (gives the order back to the queue)
 *
 * Lab administrators (data portability):
 *   npx caseline export request                      (an export of your account; a second request answers the open one)
 *   npx caseline export list [--audit] [--limit N] [--cursor C]   (your account's exports, newest first;
 *                       --audit: its audit exports)
 *   npx caseline export status EXPORT_ID
 *   npx caseline export download EXPORT_ID [--out FILE] [--key KEYFILE]
 *                       (progress; then the manifest's signature and every file's SHA-256 are checked)
 *   npx caseline export verify FILE --key KEYFILE    (the same check offline; exits 1 if invalid)
 * Operators and lab-admins (cli/accounts.ts):
 *   npx caseline accounts list | show | create | update | users | invite | remove-user | processing-record
 * Security incidents (cli/incidents.ts): anyone reports; privacy officers run them; auditors read them:
 *   npx caseline incidents report | list | register | show | triage | notice | contain | close
 *   npx caseline notices list | show | acknowledge                 (labs and lab-admins)
 *
 * Anyone (no token, no network):
 *   npx caseline verify-certificate FILE --key KEYFILE   (a deletion certificate against the public key:
 *                       PEM, DER, or the JSON of GET /certificates/public-key; exits 1 if invalid)
 *   npx caseline verify-audit DIR --key KEYFILE      (an account's audit events against the signed digests:
 *                       KEYFILE from GET /audit/public-key; exits 1 naming the first event or digest that fails)
 *
 * Auditors (staff):
 *   npx caseline audit-fetch --account ID --from ISO --to ISO --out DIR   (events and digests, for verify-audit)
 *   npx caseline audit export [--account ID] --from ISO --to ISO --out DIR [--key KEYFILE]
 *                       (lab-admins, auditors: a signed audit export, unpacked into DIR; verified with --key)
 *   npx caseline audit verify DIR --key KEYFILE      (the same as verify-audit)
 *
 * CASELINE_API (default http://127.0.0.1:4000) and CASELINE_TOKEN (or the token `login` saved)
 * say where and who. Errors print the API's message, never a stack trace.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { basename, extname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { AccountDigest, GlobalDigest } from '../lambdas/domain/audit-digest';
import { AccountsUsageError, runAccounts } from './accounts';
import { fetchAuditExport } from './audit-export';
import { verifyExportArchive } from './export';
import { IncidentsUsageError, runIncidents, runNotices } from './incidents';
import { type AuditDir, verifyAuditDir, writeAuditDir } from './verify-audit';
import { publicKeyFrom, verifyCertificateFile } from './verify-certificate';

const API = (process.env.CASELINE_API ?? 'http://127.0.0.1:4000').replace(/\/$/, '');
const TOKEN_FILE = join(process.env.CASELINE_HOME ?? join(homedir(), '.caseline'), 'token.json');

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    /** The API's error code (e.g. NOT_WAITING) and HTTP status, when the error came from the API. */
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const out = (line: string) => process.stdout.write(`${line}\n`);

const session = new AsyncLocalStorage<string>();
/** Makes the calls inside `fn` with this token (a script acting as several users at once). */
export const withToken = <T>(accessToken: string, fn: () => Promise<T>): Promise<T> =>
  session.run(accessToken, fn);

const token = (): string => {
  const scoped = session.getStore();
  if (scoped) return scoped;
  if (process.env.CASELINE_TOKEN) return process.env.CASELINE_TOKEN;
  if (existsSync(TOKEN_FILE))
    return (JSON.parse(readFileSync(TOKEN_FILE, 'utf8')) as { accessToken: string }).accessToken;
  throw new CliError('Not signed in: run `caseline login <username>` or set CASELINE_TOKEN.');
};

/** One API call: the status and the parsed body; an error status throws the API's message. */
const request = async <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  auth = true,
): Promise<{ status: number; body: T }> => {
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
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    if (res.ok) throw new CliError(`The service answered ${method} ${path} with something that is not JSON.`);
  }
  if (!res.ok) {
    const fields = (parsed.fields as { field: string; message: string }[] | undefined) ?? [];
    const detail = fields.length ? `\n${fields.map((f) => `  - ${f.field}: ${f.message}`).join('\n')}` : '';
    const message = typeof parsed.message === 'string' ? parsed.message : `HTTP ${res.status}`;
    throw new CliError(
      `${message}${fields.length > 1 ? detail : ''}`,
      typeof parsed.code === 'string' ? parsed.code : undefined,
      res.status,
    );
  }
  return { status: res.status, body: parsed as T };
};

export const call = async <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  auth = true,
): Promise<T> => (await request<T>(method, path, body, auth)).body;

/**
 * A call the workflow may not be ready for yet: a hand-in or decision sent just as the order got
 * there answers 409 NOT_WAITING ("try again in a moment") until the workflow has caught up.
 */
const callWhenReady = async <T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  waitMs = 10_000,
): Promise<T> => {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await call<T>(method, path, body);
    } catch (error) {
      if (!(error instanceof CliError) || error.code !== 'NOT_WAITING' || Date.now() > deadline) throw error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
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

const silent = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;

/** One presigned PUT of a whole file, with exactly the headers it was signed with. */
const putWhole = async (
  upload: { url: string; headers: Record<string, string> },
  path: string,
  size: number,
  progress: Progress,
) => {
  const { 'content-length': _len, ...signed } = upload.headers;
  await putWithRetry(
    upload.url,
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
  opts: { resumeFileId?: string; quiet?: boolean; remake?: boolean } = {},
) => {
  const { size } = statSync(path);
  const progress = new Progress(basename(path), size, opts.quiet ? silent : process.stderr);
  let fileId = opts.resumeFileId;
  if (!fileId) {
    const sha256 = await fileSha256(path);
    const declared = await call<DeclaredUpload>('POST', `/orders/${orderId}/uploads`, {
      name: basename(path),
      sizeBytes: size,
      sha256,
      // Confirms a scan already sent in another open order (a remake order re-using it).
      ...(opts.remake ? { remake: true } : {}),
    });
    fileId = declared.fileId;
    if (declared.upload.mode === 'single') {
      await putWhole(declared.upload, path, size, progress);
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

const ITEM_USAGE =
  'use type:teeth:material[:shade] (e.g. crown:36:zirconia:A2), or for an item on an arch type@arch:material[:shade] (e.g. splint-night-guard@upper:pmma)';

export const parseItem = (spec: string) => {
  // type:teeth:material[:shade], teeth separated by '+', e.g. bridge:34+35+36:zirconia:A3;
  // on an arch: type@arch:material[:shade] or type@arch:teeth:material[:shade] (teeth start with a digit).
  const [head = '', ...fields] = spec.split(':');
  const [type, arch, extra] = head.split('@');
  const archOnly = arch !== undefined && fields.length <= 2 && /^[a-z]/i.test(fields[0] ?? '');
  const [teeth, material, shade] = archOnly ? ['', ...fields] : fields;
  if (!type || !material || arch === '' || extra !== undefined || fields.length > (archOnly ? 2 : 3))
    throw new CliError(`--item ${spec}: ${ITEM_USAGE}.`);
  return {
    type,
    ...(arch ? { arch } : {}),
    ...(teeth ? { teeth: teeth.split('+').map((t) => (/^\d+$/.test(t) ? Number(t) : t)) } : {}),
    material,
    ...(shade ? { shade } : {}),
  };
};

// ---------------------------------------------------------------- designers' and labs' design commands

interface ItemView {
  type: string;
  teeth?: (number | string)[];
  arch?: string;
  material: string;
  shade?: string;
  notes?: string;
}

interface AssignmentView {
  orderId: string;
  status: string;
  patientRef: string;
  turnaround: string;
  dueAt?: string;
  leaseExpiresAt?: string;
  revision: number;
  version: number;
  items: ItemView[];
  notes?: string;
  qaProblems?: string[];
}

export interface ListedFile {
  fileId: string;
  format: string;
  sizeBytes: number;
  sha256: string;
  version?: number;
  url: string;
}

const describeItem = (item: ItemView) =>
  [
    item.type,
    item.arch ? `${item.arch} arch` : '',
    item.teeth?.length ? item.teeth.join('+') : '',
    item.material,
    item.shade ?? '',
    item.notes ? `(${item.notes})` : '',
  ]
    .filter(Boolean)
    .join(' ');

const printAssignment = (a: AssignmentView, heading: string) => {
  out(
    `${heading} ${a.orderId}: ${a.status}, ${a.turnaround}${a.revision ? `, revision ${a.revision}` : ''}, design version ${a.version}`,
  );
  out(`  patient  ${a.patientRef}`);
  a.items.forEach((item, i) => {
    out(`  ${i ? '        ' : 'items   '} ${describeItem(item)}`);
  });
  out(`  due      ${a.dueAt ?? '-'}`);
  if (a.leaseExpiresAt)
    out(`  lease    until ${a.leaseExpiresAt} (caseline heartbeat ${a.orderId} extends it)`);
  if (a.notes)
    for (const [i, line] of a.notes.split('\n').entries()) out(`  ${i ? '        ' : 'notes   '} ${line}`);
  if (a.qaProblems?.length)
    for (const [i, p] of a.qaProblems.entries()) out(`  ${i ? '        ' : 'QA      '} ${p}`);
};

/** Leases the next order that fits; undefined when nothing fits (or the designer is at capacity). */
export const claimNext = async (): Promise<AssignmentView | undefined> => {
  const res = await request<AssignmentView>('POST', '/queue/claim');
  return res.status === 204 ? undefined : res.body;
};

/**
 * Downloads presigned files into `dir` as <fileId>.<format> with a progress bar, each checked
 * against the SHA-256 the listing gives; a file that does not match is not kept.
 */
export const downloadFiles = async (
  files: readonly ListedFile[],
  dir: string,
  opts: { quiet?: boolean } = {},
): Promise<string[]> => {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    const target = join(dir, `${file.fileId}.${file.format}`);
    const partial = `${target}.part`;
    const progress = new Progress(basename(target), file.sizeBytes, opts.quiet ? silent : process.stderr);
    let sha256 = '';
    let received = 0;
    for (let attempt = 1; ; attempt++) {
      const hash = createHash('sha256');
      received = 0;
      try {
        const res = await fetch(file.url);
        if (!res.ok || !res.body) {
          if (res.status < 500 || attempt >= 3)
            throw new CliError(
              `Storage refused the download of ${file.fileId} (HTTP ${res.status}); download links last 15 minutes, so run the command again.`,
            );
          throw new Error('retry');
        }
        const tap = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            hash.update(chunk);
            received += chunk.length;
            progress.update(received);
            done(null, chunk);
          },
        });
        await pipeline(Readable.fromWeb(res.body as never), tap, createWriteStream(partial));
        sha256 = hash.digest('hex');
        break;
      } catch (error) {
        rmSync(partial, { force: true });
        if (error instanceof CliError) throw error;
        if (attempt >= 3)
          throw new CliError(`Download of ${file.fileId} interrupted: run the command again.`);
      }
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
    progress.finish();
    if (sha256 !== file.sha256 || received !== file.sizeBytes) {
      rmSync(partial, { force: true });
      throw new CliError(
        `${file.fileId}: the download does not match its SHA-256 or size, so it was not kept. Run the command again; if it fails again, report it.`,
      );
    }
    renameSync(partial, target);
    written.push(target);
  }
  return written;
};

const OUTPUT_FORMATS = ['stl', 'ply', 'obj', 'pdf'];

/** Uploads one design file (or the PDF report) of a held order through its presigned PUT. */
export const handInFile = async (orderId: string, path: string, opts: { quiet?: boolean } = {}) => {
  if (!OUTPUT_FORMATS.includes(extname(path).slice(1).toLowerCase()))
    throw new CliError(`${path}: hand in designs as STL, PLY or OBJ, plus an optional PDF design report.`);
  if (!existsSync(path)) throw new CliError(`${path}: no such file.`);
  const { size } = statSync(path);
  const declared = await call<{
    fileId: string;
    version: number;
    upload: { url: string; headers: Record<string, string> };
  }>('POST', `/assignments/${orderId}/uploads`, {
    name: basename(path),
    sizeBytes: size,
    sha256: await fileSha256(path),
  });
  await putWhole(
    declared.upload,
    path,
    size,
    new Progress(basename(path), size, opts.quiet ? silent : process.stderr),
  );
  return { fileId: declared.fileId, version: declared.version };
};

export const submitDesign = (orderId: string) =>
  callWhenReady<{ orderId: string; status: string; version: number }>(
    'POST',
    `/assignments/${orderId}/submit`,
  );

/** The delivered version of an order, downloaded into `dir`. */
export const downloadDeliverables = async (orderId: string, dir: string, opts: { quiet?: boolean } = {}) => {
  const listing = await call<{
    version: number;
    versions: number[];
    status: string;
    revision: number;
    files: ListedFile[];
  }>('GET', `/orders/${orderId}/deliverables`);
  const paths = await downloadFiles(listing.files, dir, opts);
  return { ...listing, paths };
};

export const acceptDelivery = (orderId: string) =>
  callWhenReady<{ orderId: string; status: string }>('POST', `/orders/${orderId}/accept`);

export const requestRevision = (orderId: string, reason: string, comment?: string) =>
  callWhenReady<{ orderId: string; status: string; revision: number }>(
    'POST',
    `/orders/${orderId}/revisions`,
    { reason, ...(comment ? { comment } : {}) },
  );

type AuditEventRecord = Record<string, unknown> & { seq?: number; eventId?: string; at?: string };

const auditEvents = async (accountId: string, from: string, to: string): Promise<AuditEventRecord[]> => {
  const events: AuditEventRecord[] = [];
  let cursor: string | undefined;
  do {
    const q = new URLSearchParams({ accountId, from, to, limit: '100', ...(cursor ? { cursor } : {}) });
    const page = await call<{ events: AuditEventRecord[]; cursor?: string }>('GET', `/audit/events?${q}`);
    events.push(...page.events);
    cursor = page.cursor;
  } while (cursor);
  return events;
};

/**
 * An account's audit events claimed in [from, to], the digests of the runs that cover that range,
 * and every event those digests list (one sealed in the range may claim a time outside it). Runs
 * after `to` are added while an event fetched is beyond the last run fetched (sealed later).
 */
export const fetchAudit = async (accountId: string, from: string, to: string): Promise<AuditDir> => {
  const digestsFor = (f: string, t?: string) =>
    call<{ globals: GlobalDigest[]; accounts: AccountDigest[] }>(
      'GET',
      `/audit/digests?${new URLSearchParams({ accountId, from: f, ...(t ? { to: t } : {}) })}`,
    );
  const { globals, accounts } = await digestsFor(from, to);
  const events = new Map<number, AuditEventRecord>();
  for (const e of await auditEvents(accountId, from, to)) events.set(Number(e.seq), e);
  const through = () => Math.max(0, ...globals.map((g) => g.sequence.through));
  if ([...events.keys()].some((seq) => seq > through())) {
    const later = await digestsFor(to);
    const known = new Set(globals.map((g) => g.digestNo));
    for (const g of later.globals) if (!known.has(g.digestNo)) globals.push(g);
    for (const a of later.accounts) if (!known.has(a.digestNo)) accounts.push(a);
  }
  for (const digest of accounts) {
    for (const leaf of digest.events) {
      if (events.has(leaf.seq)) continue;
      for (const e of await auditEvents(accountId, leaf.at, leaf.at)) events.set(Number(e.seq), e);
    }
  }
  return { accountId, from, to, globals, accounts, events: [...events.values()] };
};

const orderIdArg = (rest: string[], usage: string, opts: { out?: boolean } = {}) => {
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: opts.out ? { out: { type: 'string' } } : {},
  });
  const [orderId, ...more] = positionals;
  if (!orderId || more.length) throw new CliError(`Usage: caseline ${usage}`);
  return { orderId, out: (values as { out?: string }).out ?? '.' };
};

// ---------------------------------------------------------------- lab administrators: exports

/** The account of the signed-in user, from the token's claims (read, not verified: the API verifies). */
const accountOfToken = (): string => {
  const payload = token().split('.')[1] ?? '';
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (typeof claims.account_id === 'string') return claims.account_id;
  } catch {
    // Fall through: the message below says what to do.
  }
  throw new CliError('The token names no account: sign in again as a lab administrator.');
};

interface ExportView {
  exportId: string;
  accountId: string;
  status: string;
  duplicate?: boolean;
  sizeBytes?: number;
  orderCount?: number;
  fileCount?: number;
  expiresAt?: string;
  failure?: string;
  download?: { url: string; fileName: string; expiresAt: string };
}

export const requestExport = (accountId = accountOfToken()) =>
  call<ExportView>('POST', `/accounts/${accountId}/exports`);

interface ExportListView {
  exports: (ExportView & { requestedAt: string; from?: string; to?: string })[];
  nextCursor?: string;
}

/** One page of the account's exports of a kind, newest first (no download links). */
export const listExports = (
  kind: 'exports' | 'audit-exports',
  page: { limit?: string; cursor?: string },
  accountId = accountOfToken(),
) => {
  const qs = new URLSearchParams({
    ...(page.limit ? { limit: page.limit } : {}),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  });
  return call<ExportListView>('GET', `/accounts/${accountId}/${kind}${qs.size ? `?${qs}` : ''}`);
};

export const exportStatus = (exportId: string, accountId = accountOfToken()) =>
  call<ExportView>('GET', `/accounts/${accountId}/exports/${exportId}`);

/**
 * Downloads a ready export with a progress bar and checks it: the manifest's signature against the
 * certificate public key (from `keyFile`, else GET /certificates/public-key), then each file's
 * SHA-256. An archive that does not verify is kept aside as <file>.invalid, never as <file>.
 */
export const downloadExport = async (
  exportId: string,
  file: string | undefined,
  opts: { keyFile?: string; quiet?: boolean } = {},
) => {
  const view = await exportStatus(exportId);
  if (!view.download)
    throw new CliError(
      view.status === 'RUNNING'
        ? `Export ${exportId} is still being written; try again in a moment.`
        : `Export ${exportId} is ${view.status}${view.failure ? ` (${view.failure})` : ''}: there is nothing to download.`,
    );
  const target = file ?? view.download.fileName;
  const partial = `${target}.part`;
  const res = await fetch(view.download.url);
  if (!res.ok || !res.body)
    throw new CliError(
      `Storage refused the download (HTTP ${res.status}); links last 15 minutes, run it again.`,
    );
  const progress = new Progress(basename(target), view.sizeBytes ?? 0, opts.quiet ? silent : process.stderr);
  let received = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      progress.update(received);
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(res.body as never), tap, createWriteStream(partial));
  progress.finish();
  const key = opts.keyFile
    ? publicKeyFrom(readFileSync(opts.keyFile))
    : (await call<{ publicKeyPem: string }>('GET', '/certificates/public-key', undefined, false))
        .publicKeyPem;
  const check = await verifyExportArchive(partial, key);
  if (!check.ok) {
    renameSync(partial, `${target}.invalid`);
    throw new CliError(`${check.message} (kept aside as ${target}.invalid)`);
  }
  renameSync(partial, target);
  return { path: target, message: check.message };
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
        options: { resume: { type: 'string' }, remake: { type: 'boolean', default: false } },
      });
      const [orderId, ...paths] = positionals;
      if (!orderId || !paths.length)
        throw new CliError('Usage: caseline upload ORDER_ID FILE... [--resume FILE_ID] [--remake]');
      for (const path of paths) {
        if (!existsSync(path)) throw new CliError(`${path}: no such file.`);
        const fileId = await uploadFile(orderId, path, {
          ...(values.resume ? { resumeFileId: values.resume } : {}),
          ...(values.remake ? { remake: true } : {}),
        });
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
    case 'deliverables': {
      const { orderId, out: dir } = orderIdArg(rest, 'deliverables ORDER_ID [--out DIR]', { out: true });
      const res = await downloadDeliverables(orderId, dir);
      out(
        `Version ${res.version} of ${orderId} (${res.status}; versions ${res.versions.join(', ')}${res.revision ? `; revision ${res.revision}` : ''}):`,
      );
      for (const path of res.paths) out(`  ${path}`);
      return;
    }
    case 'accept': {
      const { orderId } = orderIdArg(rest, 'accept ORDER_ID');
      const res = await acceptDelivery(orderId);
      out(`Accepted ${orderId}: ${res.status}.`);
      return;
    }
    case 'revise': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { reason: { type: 'string' }, comment: { type: 'string' } },
      });
      const [orderId] = positionals;
      if (!orderId || !values.reason || positionals.length > 1)
        throw new CliError(
          'Usage: caseline revise ORDER_ID --reason REASON [--comment "..."]  (reasons: fit-margins, contacts, occlusion, anatomy, shade-material, wrong-tooth, other)',
        );
      const res = await requestRevision(orderId, values.reason, values.comment);
      out(
        `Revision ${res.revision} requested for ${orderId}: ${res.status}, offered first to the designer who made it.`,
      );
      return;
    }
    case 'claim': {
      if (rest.length) throw new CliError('Usage: caseline claim');
      const assignment = await claimNext();
      if (!assignment) {
        out('Nothing to claim: no queued order fits your skills, or you hold as many orders as you may.');
        return;
      }
      printAssignment(assignment, 'Claimed');
      return;
    }
    case 'assignments': {
      const res = await call<{ assignments: AssignmentView[] }>('GET', '/assignments');
      for (const a of res.assignments)
        out(
          `${a.orderId}  ${a.status.padEnd(9)} ${a.patientRef.padEnd(10)} ${a.items.map(describeItem).join('; ')}  due ${a.dueAt ?? '-'}  lease ${a.leaseExpiresAt ?? '-'}`,
        );
      if (!res.assignments.length) out('No assignments.');
      return;
    }
    case 'assignment': {
      const { orderId } = orderIdArg(rest, 'assignment ORDER_ID');
      printAssignment(await call<AssignmentView>('GET', `/assignments/${orderId}`), 'Order');
      return;
    }
    case 'heartbeat': {
      const { orderId } = orderIdArg(rest, 'heartbeat ORDER_ID');
      const res = await call<{ leaseExpiresAt: string }>('POST', `/assignments/${orderId}/heartbeat`);
      out(`Lease on ${orderId} extended until ${res.leaseExpiresAt}.`);
      return;
    }
    // A designer's inputs of an order it holds, or (scans) a lab's own: the same links, the same checks.
    case 'download':
    case 'scans': {
      const { orderId, out: dir } = orderIdArg(rest, `${command} ORDER_ID [--out DIR]`, { out: true });
      const route = command === 'scans' ? `/orders/${orderId}/inputs` : `/assignments/${orderId}/inputs`;
      const res = await call<{ files: ListedFile[] }>('GET', route);
      if (!res.files.length)
        out(`Order ${orderId} has no ${command === 'scans' ? 'uploaded scans' : 'checked inputs'}.`);
      for (const path of await downloadFiles(res.files, dir)) out(`Downloaded ${path} (SHA-256 checked).`);
      return;
    }
    case 'hand-in': {
      const [orderId, ...paths] = rest;
      if (!orderId || !paths.length) throw new CliError('Usage: caseline hand-in ORDER_ID FILE...');
      for (const path of paths) {
        const res = await handInFile(orderId, path);
        out(`Uploaded ${basename(path)} as ${res.fileId} (design version ${res.version}).`);
      }
      out(`Submit with: caseline submit-design ${orderId}`);
      return;
    }
    case 'submit-design': {
      const { orderId } = orderIdArg(rest, 'submit-design ORDER_ID');
      const res = await submitDesign(orderId);
      out(`Submitted design version ${res.version} of ${orderId}: ${res.status}.`);
      return;
    }
    case 'release': {
      const { orderId } = orderIdArg(rest, 'release ORDER_ID');
      const res = await call<{ status: string }>('POST', `/assignments/${orderId}/release`);
      out(`Released ${orderId}: ${res.status}, back in the queue.`);
      return;
    }
    case 'export': {
      const [sub, ...args] = rest;
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          out: { type: 'string' },
          key: { type: 'string' },
          audit: { type: 'boolean' },
          limit: { type: 'string' },
          cursor: { type: 'string' },
        },
      });
      const [id, ...more] = positionals;
      if (sub === 'list' && !id) {
        const page = await listExports(values.audit ? 'audit-exports' : 'exports', {
          ...(values.limit ? { limit: values.limit } : {}),
          ...(values.cursor ? { cursor: values.cursor } : {}),
        });
        for (const e of page.exports)
          out(
            `${e.exportId}  ${e.status.padEnd(8)} ${e.requestedAt}${e.from ? `  ${e.from} to ${e.to}` : ''}${e.failure ? `  ${e.failure}` : ''}`,
          );
        if (!page.exports.length) out('No exports.');
        if (page.nextCursor)
          out(`More: caseline export list${values.audit ? ' --audit' : ''} --cursor ${page.nextCursor}`);
        return;
      }
      if (sub === 'request' && !id) {
        const res = await requestExport();
        out(
          res.duplicate
            ? `Export ${res.exportId} of ${res.accountId} is already being written (${res.status}).`
            : `Export ${res.exportId} of ${res.accountId} requested (${res.status}).`,
        );
        out(`Follow it with: caseline export status ${res.exportId}`);
        return;
      }
      if (sub === 'status' && id && !more.length) {
        const { download: _d, ...view } = await exportStatus(id);
        out(JSON.stringify(view, null, 2));
        return;
      }
      if (sub === 'download' && id && !more.length) {
        const res = await downloadExport(id, values.out, values.key ? { keyFile: values.key } : {});
        out(`Downloaded ${res.path}.`);
        out(res.message);
        return;
      }
      if (sub === 'verify' && id && values.key && !more.length) {
        const check = await verifyExportArchive(id, publicKeyFrom(readFileSync(values.key)));
        if (!check.ok) throw new CliError(check.message);
        out(check.message);
        return;
      }
      throw new CliError(
        'Usage: caseline export request | list [--audit] [--limit N] [--cursor C] | status EXPORT_ID | download EXPORT_ID [--out FILE] [--key KEYFILE] | verify FILE --key KEYFILE',
      );
    }
    case 'accounts':
      try {
        return await runAccounts(rest, call, out);
      } catch (error) {
        if (error instanceof AccountsUsageError) throw new CliError(error.message);
        throw error;
      }
    case 'incidents':
    case 'notices':
      try {
        return await (command === 'incidents' ? runIncidents : runNotices)(rest, call, out);
      } catch (error) {
        if (error instanceof IncidentsUsageError) throw new CliError(error.message);
        throw error;
      }
    case 'verify-certificate': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { key: { type: 'string' } },
      });
      const [file, ...more] = positionals;
      if (!file || !values.key || more.length) {
        throw new CliError(
          'Usage: caseline verify-certificate FILE --key KEYFILE  (KEYFILE: PEM, DER, or the JSON of GET /certificates/public-key)',
        );
      }
      const result = await verifyCertificateFile(file, values.key);
      if (!result.ok) throw new CliError(result.message);
      out(result.message);
      return;
    }
    case 'verify-audit': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { key: { type: 'string' } },
      });
      const [dir, ...more] = positionals;
      if (!dir || !values.key || more.length) {
        throw new CliError(
          'Usage: caseline verify-audit DIR --key KEYFILE  (DIR from `caseline audit-fetch`; KEYFILE: PEM, DER, or the JSON of GET /audit/public-key)',
        );
      }
      const result = await verifyAuditDir(dir, values.key);
      if (!result.ok) throw new CliError(result.message);
      out(result.message);
      return;
    }
    case 'audit': {
      // caseline audit export --account ID --from ISO --to ISO --out DIR [--key KEYFILE] | verify DIR --key KEYFILE
      const [sub, ...args] = rest;
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          account: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          out: { type: 'string' },
          key: { type: 'string' },
        },
      });
      if (sub === 'export' && values.from && values.to && values.out && !positionals.length) {
        const accountId = values.account ?? accountOfToken();
        let fetched: Awaited<ReturnType<typeof fetchAuditExport>>;
        try {
          fetched = await fetchAuditExport((method, path, body) => call(method, path, body), {
            accountId,
            from: values.from,
            to: values.to,
            out: values.out,
            onWait: (message) => process.stderr.write(`${message}\n`),
          });
        } catch (error) {
          if (error instanceof CliError) throw error;
          throw new CliError(`audit export: ${error instanceof Error ? error.message : 'failed'}`);
        }
        out(
          `Audit export ${fetched.view.exportId} of ${accountId}: ${fetched.files.length} files in ${values.out}.`,
        );
        if (values.key) {
          const result = await verifyAuditDir(values.out, values.key);
          if (!result.ok) throw new CliError(result.message);
          out(result.message);
        }
        return;
      }
      if (sub === 'verify' && values.key && positionals.length === 1 && positionals[0]) {
        const result = await verifyAuditDir(positionals[0], values.key);
        if (!result.ok) throw new CliError(result.message);
        out(result.message);
        return;
      }
      throw new CliError(
        'Usage: caseline audit export [--account ID] --from ISO --to ISO --out DIR [--key KEYFILE] | audit verify DIR --key KEYFILE  (lab-admins for their account, auditors for any)',
      );
    }
    case 'audit-fetch': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          account: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          out: { type: 'string' },
        },
      });
      if (!values.account || !values.from || !values.to || !values.out || positionals.length) {
        throw new CliError(
          'Usage: caseline audit-fetch --account ID --from ISO --to ISO --out DIR  (auditors)',
        );
      }
      const bundle = await fetchAudit(values.account, values.from, values.to);
      await writeAuditDir(values.out, bundle);
      out(
        `Fetched ${bundle.events.length} events, ${bundle.accounts.length} account digests and ${bundle.globals.length} global digests into ${values.out}.`,
      );
      return;
    }
    default:
      throw new CliError(
        'Commands: login; labs: create, upload, submit, list, show, cancel, scans, deliverables, accept, revise; designers: claim, assignments, assignment, heartbeat, download, hand-in, submit-design, release; operators and lab-admins: accounts (list, show, create, update, users, invite, remove-user); lab-admins: export (request, status, download, verify); lab-admins and auditors: audit (export, verify); auditors: audit-fetch; anyone: verify-certificate, verify-audit. See cli/main.ts and cli/accounts.ts for options.',
      );
  }
};

export const main = (argv: string[]) =>
  run(argv).catch((error: unknown) => {
    // parseArgs refuses unknown options and missing values with a message meant for the user.
    const usage =
      error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    process.stderr.write(
      `caseline: ${error instanceof CliError || usage ? (error as Error).message : 'unexpected failure; run again or report it'}\n`,
    );
    process.exitCode = 1;
  });

if (process.argv[1] && /cli[/\\]main\.ts$/.test(process.argv[1])) void main(process.argv.slice(2));
