/**
 * `caseline audit export --account ID --from ISO --to ISO --out DIR [--key KEYFILE]`: asks for an
 * account's audit export (POST /accounts/{id}/audit-exports), waits for it (bounded), downloads the
 * zip through its 15-minute link and unpacks it into DIR, the layout `caseline verify-audit DIR`
 * reads; with --key it verifies at once. Entries with a path outside DIR are refused.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';
import yauzl from 'yauzl';

export interface AuditExportView {
  exportId: string;
  accountId: string;
  from?: string;
  to?: string;
  status: string;
  duplicate?: boolean;
  failure?: string;
  sizeBytes?: number;
  download?: { url: string; fileName: string; expiresAt: string };
}

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** The archive holds a few dozen small files; anything else is not one of ours. */
const MAX_ENTRIES = 20_000;

/** Unpacks an audit export zip into `dir`; refuses absolute paths and `..`. Returns the file names. */
export const unpackAuditExport = (zipBytes: Buffer, dir: string): Promise<string[]> =>
  new Promise((resolve, reject) =>
    yauzl.fromBuffer(zipBytes, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const names: string[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(names));
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = normalize(entry.fileName);
        if (name.startsWith('..') || name.startsWith('/') || names.length >= MAX_ENTRIES) {
          zip.close();
          return reject(new Error(`the archive holds an unexpected entry: ${entry.fileName.slice(0, 100)}`));
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            const path = join(dir, name);
            mkdir(dirname(path), { recursive: true })
              .then(() => writeFile(path, Buffer.concat(chunks)))
              .then(() => {
                names.push(name);
                zip.readEntry();
              }, reject);
          });
        });
      });
      zip.readEntry();
    }),
  );

/** How often a waiting export is reported (the first time at once). */
const REPORT_EVERY_MS = 60_000;

/** What the waiting caller is told, and told again each minute: why it may take long, and that it is safe to stop. */
export const waitingMessage = (exportId: string, waitedMs: number) =>
  `audit export ${exportId}: being written (${Math.round(waitedMs / 1000)} s so far). A range that ends ` +
  'less than an hour ago waits for its hourly seal (retried every 10 minutes, up to 3 hours). ' +
  'Stopping is safe: the same command with the same range picks this export up again.';

/**
 * Requests, waits (up to `timeoutMs`, polling each `pollMs`, calling `onWait` at once and each
 * minute while it waits), downloads and unpacks.
 */
export const fetchAuditExport = async (
  call: Call,
  opts: {
    accountId: string;
    from: string;
    to: string;
    out: string;
    timeoutMs?: number;
    pollMs?: number;
    onWait?: (message: string) => void;
  },
): Promise<{ view: AuditExportView; files: string[] }> => {
  const base = `/accounts/${encodeURIComponent(opts.accountId)}/audit-exports`;
  const asked = await call<AuditExportView>('POST', base, { from: opts.from, to: opts.to });
  // One audit export runs per account at a time: a request meanwhile is answered with that one,
  // whose range may not be the one asked for.
  if (asked.duplicate && (asked.from !== opts.from || asked.to !== opts.to))
    throw new Error(
      `another audit export, ${asked.exportId} (${asked.from} to ${asked.to}), is being written for ` +
        'this account: one runs at a time. Ask again once it is done (the same command with its range downloads it).',
    );
  const started = Date.now();
  const deadline = started + (opts.timeoutMs ?? 15 * 60_000);
  // The usual export is ready in seconds: only a wait longer than that is reported.
  let reportAt = started + 10_000;
  let view = asked;
  while (view.status === 'RUNNING' || !view.download) {
    if (view.status === 'FAILED' || view.status === 'EXPIRED')
      throw new Error(
        `audit export ${view.exportId} is ${view.status}${view.failure ? ` (${view.failure})` : ''}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `audit export ${view.exportId} is still being written; run the same command again later to pick it up`,
      );
    if (Date.now() >= reportAt) {
      opts.onWait?.(waitingMessage(view.exportId, Date.now() - started));
      reportAt += REPORT_EVERY_MS;
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1_000));
    view = await call<AuditExportView>('GET', `${base}/${encodeURIComponent(asked.exportId)}`);
  }
  const res = await fetch(view.download.url);
  if (!res.ok) throw new Error(`storage refused the download (HTTP ${res.status}); links last 15 minutes`);
  const bytes = Buffer.from(await res.arrayBuffer());
  await mkdir(opts.out, { recursive: true });
  const files = await unpackAuditExport(bytes, opts.out);
  return { view, files };
};
