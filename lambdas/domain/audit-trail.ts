/**
 * The auditor's view of the audit trail (docs/audit.md): any account's events by account or by
 * actor, paged from the table's key or the byActor index (never a scan), and the signed digests
 * that cover a range, so an auditor can take both away and check them offline (verify-audit).
 * Read-only, and every read is itself audited first (fails closed).
 */
import { ValidationError } from '../kernel/errors';
import type { Actor } from '../kernel/identity';
import { recordAudit } from './audit';
import type { AccountDigest, AuditRecord, GlobalDigest } from './audit-digest';
import type { Deps } from './ports';

export interface TrailQuery {
  readonly accountId?: string;
  readonly actor?: string;
  /** ISO instants, inclusive. */
  readonly from: string;
  readonly to: string;
  readonly limit: number;
  readonly cursor?: string;
}

export interface TrailPage {
  readonly events: AuditRecord[];
  readonly cursor?: string;
}

export interface AuditTrail {
  page(query: TrailQuery): Promise<TrailPage>;
}

export interface DigestReader {
  /** Keys under `prefix` after `startAfter`, in key order, at most `limit`. */
  list(prefix: string, startAfter: string, limit: number): Promise<string[]>;
  get(key: string): Promise<unknown>;
}

export type TrailDeps = Pick<Deps, 'audit' | 'clock' | 'ids'> & {
  readonly ledger: AuditTrail;
  readonly digests: DigestReader;
};

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DEFAULT_FROM = '1970-01-01T00:00:00.000Z';
/** A run's window is an hour on AWS; a day of slack finds the digest whose window holds `from`. */
const WINDOW_SLACK_MS = 48 * 3_600_000;
/** Digests one request returns at most: about six weeks of hourly runs. */
const MAX_GLOBALS = 1_000;

type Params = Readonly<Record<string, string | undefined>>;

const instant = (params: Params, field: 'from' | 'to', fallback: string) => {
  const value = params[field];
  if (value === undefined || value === '') return fallback;
  if (value.length > 24 || !ISO_INSTANT.test(value) || new Date(value).toISOString() !== value)
    throw new ValidationError([
      { field, message: 'must be an ISO 8601 UTC instant such as 2026-01-05T09:00:00.000Z' },
    ]);
  return value;
};

const id = (params: Params, field: 'accountId' | 'actor') => {
  const value = params[field];
  if (value === undefined || value === '') return undefined;
  if (value.length > 128 || !ID.test(value))
    throw new ValidationError([{ field, message: 'must be an id (letters, digits, . _ : -)' }]);
  return value;
};

const range = (params: Params, now: Date) => {
  const from = instant(params, 'from', DEFAULT_FROM);
  const to = instant(params, 'to', now.toISOString());
  if (to < from) throw new ValidationError([{ field: 'to', message: 'must not be before from' }]);
  return { from, to };
};

export const listAuditEvents = async (
  deps: TrailDeps,
  actor: Actor,
  params: Params,
): Promise<{ events: AuditRecord[]; cursor?: string }> => {
  const accountId = id(params, 'accountId');
  const actorSub = id(params, 'actor');
  if (accountId === undefined && actorSub === undefined)
    throw new ValidationError([{ field: 'accountId', message: 'give accountId, actor or both' }]);
  const { from, to } = range(params, deps.clock.now());
  const limitText = params.limit ?? '50';
  const limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : Number.NaN;
  if (!(limit >= 1 && limit <= 100))
    throw new ValidationError([{ field: 'limit', message: 'must be 1 to 100' }]);
  const cursor = params.cursor;
  if (cursor !== undefined && cursor.length > 400)
    throw new ValidationError([
      { field: 'cursor', message: 'Use the cursor value from the previous page, unchanged.' },
    ]);
  // Reading the trail is itself on the trail, against the account read (or the reader's own).
  await recordAudit(deps, actor, {
    accountId: accountId ?? actor.accountId,
    action: 'audit.read',
    outcome: 'ALLOWED',
  });
  return deps.ledger.page({
    ...(accountId !== undefined ? { accountId } : {}),
    ...(actorSub !== undefined ? { actor: actorSub } : {}),
    from,
    to,
    limit,
    ...(cursor ? { cursor } : {}),
  });
};

const windowStartOf = (key: string): string => key.slice(key.lastIndexOf('/') + 1, key.lastIndexOf('_'));

/**
 * The global digests whose window meets [from, to], and the account's digests of those runs: what
 * verify-audit needs besides the events. Listed by key (keys start with the window start).
 */
export const listAuditDigests = async (
  deps: TrailDeps,
  actor: Actor,
  params: Params,
): Promise<{ globals: GlobalDigest[]; accounts: AccountDigest[] }> => {
  const accountId = id(params, 'accountId');
  if (accountId === undefined) throw new ValidationError([{ field: 'accountId', message: 'is required' }]);
  const { from, to } = range(params, deps.clock.now());
  await recordAudit(deps, actor, { accountId, action: 'audit.digests', outcome: 'ALLOWED' });
  return digestsCovering(deps.digests, accountId, from, to);
};

/**
 * The global digests whose window meets [from, to] and the account's digests of those runs, read
 * without an audit write of its own (callers audit: the route above, the audit export's request).
 */
export const digestsCovering = async (
  digests: DigestReader,
  accountId: string,
  from: string,
  to: string,
): Promise<{ globals: GlobalDigest[]; accounts: AccountDigest[] }> => {
  const keys = await digestKeysCovering(digests, accountId, from, to, MAX_GLOBALS);
  if (keys.globals.length > MAX_GLOBALS)
    throw new ValidationError([
      { field: 'to', message: `the range holds more than ${MAX_GLOBALS} digests: ask for less` },
    ]);
  const read = async <T>(list: { key: string }[]) =>
    ((await Promise.all(list.map((d) => digests.get(d.key)))) as (T | undefined)[]).filter(
      (d): d is T => d !== undefined,
    );
  return {
    globals: await read<GlobalDigest>(keys.globals),
    accounts: await read<AccountDigest>(keys.accounts),
  };
};

const LIST_PAGE = 1_000;
const digestNoOf = (key: string): number => Number(key.slice(key.lastIndexOf('_') + 1, -'.json'.length));

/** Every key under `prefix` from `after` on whose window starts by `to`, a listing page at a time. */
const keysThrough = async (
  digests: DigestReader,
  prefix: string,
  after: string,
  to: string,
  max = Number.POSITIVE_INFINITY,
) => {
  const keys: string[] = [];
  let start = `${prefix}${after}`;
  for (;;) {
    const page = await digests.list(prefix, start, LIST_PAGE);
    for (const key of page) {
      if (windowStartOf(key) > to || keys.length > max) return keys;
      keys.push(key);
    }
    const last = page[page.length - 1];
    if (page.length < LIST_PAGE || last === undefined) return keys;
    start = last;
  }
};

/**
 * The same selection as digestsCovering, from the keys alone and with no cap, for the audit
 * export: a year of hourly runs is about 8,800 keys, and each digest is fetched only when it is
 * written. Windows are joined (a run's window starts where the one before ended), so a global
 * digest's window ends where the next key's starts: it meets [from, to] when it starts by `to`
 * and the next starts at or after `from` (or there is no next yet).
 */
export const digestKeysCovering = async (
  digests: DigestReader,
  accountId: string,
  from: string,
  to: string,
  /** Stop listing after this many global digests and one more (the caller refuses such a range). */
  max?: number,
): Promise<{
  globals: { key: string; digestNo: number }[];
  accounts: { key: string; digestNo: number }[];
}> => {
  let after = new Date(Math.max(0, Date.parse(from) - WINDOW_SLACK_MS)).toISOString();
  let globalKeys = await keysThrough(digests, 'global/', after, to, max);
  // The very first run (#1) covers all written before it, whatever time its window starts.
  const firstListed = globalKeys[0];
  if (firstListed === undefined || windowStartOf(firstListed) > from) {
    const [firstEver] = await digests.list('global/', 'global/', 1);
    const [second] = firstEver ? await digests.list('global/', firstEver, 1) : [];
    if (firstEver && digestNoOf(firstEver) === 1 && second === firstListed) {
      globalKeys = [firstEver, ...globalKeys];
      after = '';
    }
  }
  const globals = globalKeys
    .filter((_key, i) => {
      const next = globalKeys[i + 1];
      return next === undefined || windowStartOf(next) >= from;
    })
    .map((key) => ({ key, digestNo: digestNoOf(key) }));
  const runs = new Set(globals.map((g) => g.digestNo));
  // An account digest's key starts as its run's: list as far as the last run selected.
  const lastStart = globals.length > 0 ? windowStartOf(globals[globals.length - 1]?.key ?? '') : to;
  const accounts = (
    await keysThrough(digests, `accounts/${accountId}/`, after, lastStart > to ? lastStart : to)
  )
    .map((key) => ({ key, digestNo: digestNoOf(key) }))
    .filter((a) => runs.has(a.digestNo));
  return { globals, accounts };
};
