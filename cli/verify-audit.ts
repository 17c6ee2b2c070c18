/**
 * `caseline verify-audit DIR --key KEYFILE`: checks an account's audit events against the signed
 * audit digests that seal them, offline, with nothing but the directory and Caseline's audit
 * public key (GET /audit/public-key: PEM, DER, or that route's JSON). docs/audit.md has the
 * layout and the openssl-only check of each signature.
 *
 *   DIR/range.json                     { accountId, from, to }: what was fetched
 *   DIR/events.jsonl                   the account's events, one JSON object a line, in their disclosed
 *                                      form (what the digests hash: domain/audit-digest.ts)
 *   DIR/digests/global/<no>.json       the global digests of the runs that cover the range
 *   DIR/digests/accounts/<no>.json     the account's digests of those runs
 *   DIR/manifest.json                  (an audit export) every file's SHA-256, signed with the audit key:
 *                                      checked first, when present (domain/audit-export.ts)
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AccountDigest, GlobalDigest } from '../lambdas/domain/audit-digest';
import { disclosedForm, verifyAuditBundle } from '../lambdas/domain/audit-digest';
import { AUDIT_MANIFEST_PATH, verifyAuditManifest } from '../lambdas/domain/audit-export';
import { publicKeyFrom } from './verify-certificate';

export interface AuditDir {
  readonly accountId: string;
  readonly from: string;
  readonly to: string;
  readonly globals: readonly GlobalDigest[];
  readonly accounts: readonly AccountDigest[];
  readonly events: readonly Readonly<Record<string, unknown>>[];
}

const pad = (n: number) => String(n).padStart(10, '0');

export const writeAuditDir = async (dir: string, bundle: AuditDir): Promise<void> => {
  await mkdir(join(dir, 'digests', 'global'), { recursive: true });
  await mkdir(join(dir, 'digests', 'accounts'), { recursive: true });
  await writeFile(
    join(dir, 'range.json'),
    `${JSON.stringify({ accountId: bundle.accountId, from: bundle.from, to: bundle.to }, null, 2)}\n`,
  );
  const events = [...bundle.events].sort((a, b) => Number(a.seq) - Number(b.seq));
  await writeFile(
    join(dir, 'events.jsonl'),
    events.map((e) => `${JSON.stringify(disclosedForm(e))}\n`).join(''),
  );
  for (const g of bundle.globals)
    await writeFile(
      join(dir, 'digests', 'global', `${pad(g.digestNo)}.json`),
      `${JSON.stringify(g, null, 2)}\n`,
    );
  for (const a of bundle.accounts)
    await writeFile(
      join(dir, 'digests', 'accounts', `${pad(a.digestNo)}.json`),
      `${JSON.stringify(a, null, 2)}\n`,
    );
};

/** Files in a directory that may be missing (every account digest of it removed is still a directory). */
const jsonFiles = async (dir: string): Promise<string[]> => {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return [];
  }
};

/** Per-file and per-line limits: a directory of this shape from any real range stays far below them. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

const readText = async (path: string): Promise<string> => {
  const text = await readFile(path, 'utf8');
  if (text.length > MAX_FILE_BYTES) throw new Error(`${path} is larger than any audit file`);
  return text;
};

export const verifyAuditDir = async (
  dir: string,
  keyFile: string,
): Promise<{ ok: boolean; message: string }> => {
  let key: KeyObject;
  try {
    const pem = publicKeyFrom(await readFile(keyFile));
    key =
      typeof pem === 'string'
        ? createPublicKey(pem)
        : createPublicKey({ key: Buffer.from(pem), format: 'der', type: 'spki' });
  } catch {
    return { ok: false, message: `INVALID: cannot read an ECDSA public key from ${keyFile}` };
  }
  let range: { accountId?: unknown; from?: unknown; to?: unknown };
  let events: Record<string, unknown>[];
  const globals: unknown[] = [];
  const accounts: unknown[] = [];
  try {
    range = JSON.parse(await readText(join(dir, 'range.json'))) as typeof range;
    events = (await readText(join(dir, 'events.jsonl')))
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line, i) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new Error(`events.jsonl line ${i + 1} is not JSON (edited?)`);
        }
      });
    for (const f of await jsonFiles(join(dir, 'digests', 'global')))
      globals.push(JSON.parse(await readText(join(dir, 'digests', 'global', f))));
    for (const f of await jsonFiles(join(dir, 'digests', 'accounts')))
      accounts.push(JSON.parse(await readText(join(dir, 'digests', 'accounts', f))));
  } catch (error) {
    return {
      ok: false,
      message: `INVALID: ${error instanceof Error ? error.message : 'unreadable directory'}`,
    };
  }
  const { accountId, from, to } = range;
  if (typeof accountId !== 'string' || typeof from !== 'string' || typeof to !== 'string')
    return { ok: false, message: 'INVALID: range.json must name accountId, from and to' };
  const manifest = await manifestCheck(dir, key, { accountId, from, to });
  if (manifest) return { ok: false, message: `INVALID: ${manifest}` };
  return verifyAuditBundle({ accountId, range: { from, to }, globals, accounts, events }, key);
};

/** An audit export's manifest, when the directory has one: signature, every file's hash, the range. */
const manifestCheck = async (
  dir: string,
  key: KeyObject,
  range: { accountId: string; from: string; to: string },
): Promise<string | undefined> => {
  let text: string;
  try {
    text = await readText(join(dir, AUDIT_MANIFEST_PATH));
  } catch {
    return undefined;
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    return 'manifest.json is not JSON (edited?)';
  }
  const bad = await verifyAuditManifest(manifest, key, async (path) => {
    try {
      return await readFile(join(dir, path));
    } catch {
      return undefined;
    }
  });
  if (bad) return bad;
  const signed = manifest as { accountId?: unknown; range?: { from?: unknown; to?: unknown } };
  if (
    signed.accountId !== range.accountId ||
    signed.range?.from !== range.from ||
    signed.range?.to !== range.to
  )
    return 'range.json does not match the range manifest.json was signed for';
  return undefined;
};
