/**
 * In-memory implementations of the domain ports, for unit tests of domain logic. Integration
 * tests use the real adapters against the local stack instead.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { AuditEvent } from '../../lambdas/domain/audit';
import type { Designer, DesignerRegistry } from '../../lambdas/domain/designers';
import type { IndexChanges, Order, OrderFile, TimelineEntry } from '../../lambdas/domain/order';
import type {
  AccountKey,
  AccountKeys,
  AccountPolicies,
  AccountRecord,
  AccountRegistry,
  AccountState,
  AccountUser,
  AuditLog,
  Deps,
  DesignDeps,
  ExecutionStatus,
  FileStore,
  IdentityProvider,
  KeyedHasher,
  Notifier,
  OrderRepository,
  PhiCipher,
  Workflow,
} from '../../lambdas/domain/ports';
import { FakeClock } from '../../lambdas/kernel/clock';
import { OrderExistsError, TaskTokenRefusedError, ValidationError } from '../../lambdas/kernel/errors';
import type { Actor } from '../../lambdas/kernel/identity';

export class MemoryOrders implements OrderRepository {
  readonly orders = new Map<string, Order>();
  readonly fileItems = new Map<string, OrderFile>();
  readonly guards = new Map<string, { orderId: string; reservedAt: string }>();
  /** Methods that throw, as a DynamoDB outage would: a fault injected at one step. */
  readonly failing = new Set<keyof OrderRepository>();
  private fault(method: keyof OrderRepository) {
    if (this.failing.has(method)) {
      throw Object.assign(new Error('DynamoDB unavailable'), { name: 'ServiceUnavailable' });
    }
  }
  readonly shas = new Map<string, { orderId: string; fileId: string }>();
  readonly events: TimelineEntry[] = [];

  async create(order: Order, indexes: Pick<IndexChanges, 'pending'> = {}) {
    this.fault('create');
    if (this.orders.has(order.orderId)) throw new OrderExistsError(order.orderId);
    this.orders.set(order.orderId, order);
    if (indexes.pending) this.indexes.set(order.orderId, { pending: indexes.pending });
  }
  async get(orderId: string) {
    return this.orders.get(orderId);
  }
  readonly indexes = new Map<string, IndexChanges>();
  async transition(
    orderId: string,
    from: readonly Order['status'][],
    changes: Partial<Order>,
    options: {
      indexes?: IndexChanges;
      remove?: readonly (keyof Order)[];
      expect?: Readonly<Record<string, string | number>>;
    } = {},
  ) {
    const order = this.orders.get(orderId);
    if (!order || !from.includes(order.status)) return undefined;
    for (const [k, v] of Object.entries(options.expect ?? {})) {
      // The queue lane lives in the index, as gsi3pk does in DynamoDB.
      const actual =
        k === 'gsi3pk'
          ? this.indexes.get(orderId)?.queue?.lane
          : (order as unknown as Record<string, unknown>)[k];
      if (actual !== v) return undefined;
    }
    const next = { ...order, ...changes } as Record<string, unknown>;
    for (const k of options.remove ?? []) delete next[k];
    this.orders.set(orderId, next as unknown as Order);
    const current = { ...this.indexes.get(orderId) } as Record<string, unknown>;
    for (const [k, v] of Object.entries(options.indexes ?? {})) current[k] = v;
    this.indexes.set(orderId, current as IndexChanges);
    return next as unknown as Order;
  }
  private indexed(pick: (ix: IndexChanges) => { key: string; sort: string } | undefined) {
    return [...this.indexes.entries()]
      .map(([id, ix]) => ({ id, at: pick(ix) }))
      .filter((e): e is { id: string; at: { key: string; sort: string } } => Boolean(e.at))
      .sort((a, b) => a.at.sort.localeCompare(b.at.sort));
  }
  async queuePage(lane: string, limit: number, cursor?: string) {
    // As DynamoDB pages the narrow index: keys and the item types only, after the last key of
    // the previous page, and a cursor whenever a page is full.
    const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
    const ids = this.indexed((ix) => (ix.queue ? { key: ix.queue.lane, sort: ix.queue.sortKey } : undefined))
      .filter((e) => e.at.key === lane && (after === undefined || e.at.sort > after))
      .slice(0, limit);
    const last = ids.length === limit ? ids[ids.length - 1] : undefined;
    return {
      entries: ids.map((e) => ({
        orderId: e.id,
        sortKey: e.at.sort,
        itemTypes: (this.orders.get(e.id)?.items ?? []).map((item) => item.type),
      })),
      ...(last ? { cursor: Buffer.from(last.at.sort).toString('base64url') } : {}),
    };
  }
  async assignedTo(sub: string) {
    return this.indexed((ix) => (ix.assignee ? { key: ix.assignee.sub, sort: ix.assignee.since } : undefined))
      .filter((e) => e.at.key === sub)
      .map((e) => e.id);
  }
  async pendingBefore(name: string, cutoff: string, limit: number) {
    return this.indexed((ix) => (ix.pending ? { key: ix.pending.name, sort: ix.pending.at } : undefined))
      .filter((e) => e.at.key === name && e.at.sort < cutoff)
      .slice(0, limit)
      .map((e) => e.id);
  }
  async dueBefore(cutoff: string, limit: number) {
    return this.indexed((ix) => (ix.due ? { key: 'DUE', sort: ix.due.at } : undefined))
      .filter((e) => e.at.sort < cutoff)
      .slice(0, limit)
      .map((e) => e.id);
  }
  async watchedBefore(cutoff: string, limit: number) {
    return this.indexed((ix) => (ix.watch ? { key: 'WATCH', sort: ix.watch.at } : undefined))
      .filter((e) => e.at.sort < cutoff)
      .slice(0, limit)
      .map((e) => e.id);
  }
  async listByAccount(accountId: string, opts: { limit: number; cursor?: string; status?: Order['status'] }) {
    // Newest first by `<createdAt>#<orderId>`, as the byAccount index sorts; a cursor names the
    // last order of a full page and is good for its own account only (else a 400, as DynamoDB's).
    const sortKey = (o: Order) => `${o.createdAt}#${o.orderId}`;
    let after: string | undefined;
    if (opts.cursor !== undefined) {
      const [account, key] = Buffer.from(opts.cursor, 'base64url').toString('utf8').split('|');
      if (account !== accountId || !key)
        throw new ValidationError([
          { field: 'cursor', message: 'Use the nextCursor value from the previous page, unchanged.' },
        ]);
      after = key;
    }
    const orders = [...this.orders.values()]
      .filter((o) => o.accountId === accountId && (after === undefined || sortKey(o) < after))
      .sort((a, b) => sortKey(b).localeCompare(sortKey(a)))
      .filter((o) => !opts.status || o.status === opts.status)
      .slice(0, opts.limit);
    const last = orders.length === opts.limit ? orders[orders.length - 1] : undefined;
    return {
      orders,
      ...(last ? { cursor: Buffer.from(`${accountId}|${sortKey(last)}`).toString('base64url') } : {}),
    };
  }
  async reserveCaseRef(
    accountId: string,
    guardKey: string,
    orderId: string,
    reservedAt: string,
    replacing?: string,
  ) {
    this.fault('reserveCaseRef');
    const key = `${accountId}#${guardKey}`;
    const holder = this.guards.get(key);
    if (holder && holder.orderId !== replacing) return { reserved: false as const, ...holder };
    this.guards.set(key, { orderId, reservedAt });
    return { reserved: true as const };
  }
  async releaseCaseRef(accountId: string, guardKey: string, orderId: string) {
    this.fault('releaseCaseRef');
    const key = `${accountId}#${guardKey}`;
    if (this.guards.get(key)?.orderId === orderId) this.guards.delete(key);
  }
  async addFile(file: OrderFile) {
    this.fileItems.set(`${file.orderId}#${file.fileId}`, file);
    if (file.role === 'input')
      this.shas.set(`${file.accountId}#${file.sha256}`, { orderId: file.orderId, fileId: file.fileId });
  }
  async updateFile(orderId: string, fileId: string, changes: Partial<OrderFile>) {
    const key = `${orderId}#${fileId}`;
    const file = this.fileItems.get(key);
    if (!file) throw new Error('no file');
    this.fileItems.set(key, { ...file, ...changes } as OrderFile);
  }
  async files(orderId: string) {
    return [...this.fileItems.values()].filter((f) => f.orderId === orderId);
  }
  async deleteFile(orderId: string, fileId: string) {
    this.fileItems.delete(`${orderId}#${fileId}`);
  }
  async findOpenFileBySha(accountId: string, sha256: string) {
    return this.shas.get(`${accountId}#${sha256}`);
  }
  async forgetFileShas(orderId: string) {
    for (const [k, v] of this.shas) if (v.orderId === orderId) this.shas.delete(k);
  }
  async addTimeline(entry: TimelineEntry) {
    this.fault('addTimeline');
    this.events.push(entry);
  }
  async timeline(orderId: string) {
    // In time order, as the table's EVENT#<at> sort keys return them (stable for equal times).
    return this.events.filter((e) => e.orderId === orderId).sort((a, b) => a.at.localeCompare(b.at));
  }
}

export class MemoryAudit implements AuditLog {
  readonly events: AuditEvent[] = [];
  failing = false;
  async append(event: AuditEvent) {
    if (this.failing) throw new Error('audit table unavailable');
    this.events.push(event);
  }
}

/** A keyed hash like KMS GenerateMac (HMAC-SHA-256 with a fixed test secret). */
export class FakeHasher implements KeyedHasher {
  failing = false;
  async mac(message: string) {
    if (this.failing) throw Object.assign(new Error('key disabled'), { name: 'DisabledException' });
    return createHmac('sha256', 'test-secret').update(message).digest('base64url');
  }
}

/** Reversible and context-bound, like KMS: the wrong context fails to decrypt. */
export class FakeCipher implements PhiCipher {
  decrypts = 0;
  /** Encrypt throws, as KMS does with a disabled key. */
  encryptFailing = false;
  async encrypt(plaintext: string, context: Readonly<Record<string, string>>) {
    if (this.encryptFailing) throw Object.assign(new Error('key disabled'), { name: 'DisabledException' });
    return Buffer.from(JSON.stringify({ p: plaintext, c: context })).toString('base64');
  }
  async decrypt(ciphertext: string, context: Readonly<Record<string, string>>) {
    this.decrypts++;
    const { p, c } = JSON.parse(Buffer.from(ciphertext, 'base64').toString('utf8')) as {
      p: string;
      c: unknown;
    };
    if (JSON.stringify(c) !== JSON.stringify(context)) throw new Error('InvalidCiphertextException');
    return p;
  }
}

/** Account keys as KMS keeps them: one per account, by alias; shredding sets a deletion date. */
export class MemoryAccountKeys implements AccountKeys {
  readonly keys = new Map<string, AccountKey>();
  constructor(
    private readonly clock: { now(): Date },
    accounts: readonly string[] = [],
  ) {
    for (const accountId of accounts) void this.ensureKey(accountId);
  }
  async ensureKey(accountId: string) {
    const existing = this.keys.get(accountId);
    if (existing) return existing;
    const key: AccountKey = {
      keyId: `arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-${createHash('sha256').update(accountId).digest('hex').slice(0, 12)}`,
      state: 'Enabled',
    };
    this.keys.set(accountId, key);
    return key;
  }
  async keyOf(accountId: string) {
    return this.keys.get(accountId);
  }
  async scheduleDeletion(accountId: string, pendingWindowDays: number) {
    const key = this.keys.get(accountId);
    if (!key || key.state === 'PendingDeletion') return key;
    const pending: AccountKey = {
      ...key,
      state: 'PendingDeletion',
      deletionDate: new Date(this.clock.now().getTime() + pendingWindowDays * 86_400_000).toISOString(),
    };
    this.keys.set(accountId, pending);
    return pending;
  }
}

export class MemoryFiles implements FileStore {
  /** Current version of each key; a test may set or replace one directly (a new version). */
  readonly objects = new Map<string, Buffer>();
  /** Every version seen of each key, oldest first, as a versioned bucket keeps them. */
  readonly versions = new Map<string, { versionId: string; body: Buffer }[]>();
  private versionCount = 0;
  /** The version id of the key's current body, recording it as a new version when it changed. */
  private currentVersion(key: string) {
    const body = this.objects.get(key);
    if (!body) return undefined;
    const history = this.versions.get(key) ?? [];
    const latest = history[history.length - 1];
    if (latest?.body === body) return latest.versionId;
    const versionId = `v${++this.versionCount}`;
    this.versions.set(key, [...history, { versionId, body }]);
    return versionId;
  }
  async presignPut(input: { key: string; expiresInSeconds: number }) {
    return {
      url: `memory://${input.key}`,
      headers: {},
      expiresAt: new Date(Date.now() + input.expiresInSeconds * 1000).toISOString(),
    };
  }
  async startMultipart() {
    return `upl_${randomBytes(4).toString('hex')}`;
  }
  async presignPart(input: { key: string; partNumber: number }) {
    return `memory://${input.key}?part=${input.partNumber}`;
  }
  async completeMultipart() {}
  async abortMultipart() {}
  async head(key: string) {
    const body = this.objects.get(key);
    const versionId = this.currentVersion(key);
    return body && versionId ? { sizeBytes: body.length, versionId } : undefined;
  }
  async *read(key: string, versionId?: string) {
    this.currentVersion(key);
    const body = versionId
      ? this.versions.get(key)?.find((v) => v.versionId === versionId)?.body
      : this.objects.get(key);
    if (body) yield new Uint8Array(body);
  }
  async presignGet(input: { key: string; versionId?: string }) {
    return `memory://${input.key}?get${input.versionId ? `&versionId=${input.versionId}` : ''}`;
  }
  async deletePrefix(prefix: string) {
    let n = 0;
    for (const k of [...this.objects.keys()]) if (k.startsWith(prefix) && this.objects.delete(k)) n++;
    return n;
  }
}

/**
 * Step Functions in memory: executions by name (RUNNING once started, or as a test sets them),
 * task tokens completed once. Faults on demand: `failNext` throws from the next call of a method
 * (a transient fault), `lost` holds tokens Step Functions no longer knows (refused).
 */
export class MemoryWorkflow implements Workflow {
  readonly started = new Map<string, string>();
  readonly executions = new Map<string, ExecutionStatus>();
  readonly lost = new Set<string>();
  readonly failNext = new Map<'start' | 'completeTask' | 'executionStatus', Error>();
  private fault(method: 'start' | 'completeTask' | 'executionStatus') {
    const error = this.failNext.get(method);
    this.failNext.delete(method);
    if (error) throw error;
  }
  async start(name: string, input: { orderId: string; accountId: string; resumeFrom?: string }) {
    this.fault('start');
    const key = `${name}|${JSON.stringify(input)}`;
    if (!this.started.has(key)) this.started.set(key, `arn:exec:${name}`);
    if (!this.executions.has(name)) this.executions.set(name, 'RUNNING');
    return this.started.get(key) as string;
  }
  readonly completed: { token: string; output: Readonly<Record<string, string | number | boolean>> }[] = [];
  async completeTask(token: string, output: Readonly<Record<string, string | number | boolean>>) {
    this.fault('completeTask');
    if (this.lost.has(token)) throw new TaskTokenRefusedError('TaskDoesNotExist');
    if (this.completed.some((c) => c.token === token)) throw new TaskTokenRefusedError('TaskTimedOut');
    this.completed.push({ token, output });
  }
  async executionStatus(name: string) {
    this.fault('executionStatus');
    return this.executions.get(name) ?? 'MISSING';
  }
}

export class MemoryNotifier implements Notifier {
  readonly sent: { kind: string; facts: Readonly<Record<string, string>> }[] = [];
  async operatorAlert(subject: string, facts: Readonly<Record<string, string>>) {
    this.sent.push({ kind: `alert:${subject}`, facts });
  }
  /** When set, notify throws as a throttled SNS would (operator alerts still land). */
  failing = false;
  async notify(kind: string, facts: Readonly<Record<string, string>>) {
    if (this.failing) throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
    this.sent.push({ kind, facts });
  }
}

/** A BAA on file since 2026-01-01, with the default 24-hour breach notice window. */
export const SEEDED_BAA = {
  signedAt: '2025-12-15',
  version: '2025.2',
  effectiveAt: '2026-01-01',
  breachNoticeHours: 24,
} as const;

/** A partner account record as onboarding writes it; ACTIVE with a BAA unless overridden. */
export const makeAccount = (accountId: string, overrides: Partial<AccountRecord> = {}): AccountRecord => ({
  accountId,
  legalName: `${accountId} Dental Lab LLC`,
  country: 'US',
  state: 'CA',
  status: 'ACTIVE',
  baa: SEEDED_BAA,
  contacts: [
    { name: 'Sam Example', email: 'security@lab.example', phone: '+15551230000', notices: ['breach'] },
  ],
  retentionDays: 730,
  autoAcceptDays: 7,
  deletionGraceDays: 30,
  createdAt: '2026-01-01T00:00:00.000Z',
  createdBy: 'u-op-omar',
  updatedAt: '2026-01-01T00:00:00.000Z',
  updatedBy: 'u-op-omar',
  version: 1,
  ...overrides,
});

/**
 * The account registry: the seeded labs ACTIVE with a BAA on file. `states` is where each account
 * stands (tests set it directly to stage a termination); `records` holds the rest of the record.
 */
export class MemoryAccounts implements AccountRegistry {
  readonly records = new Map<string, AccountRecord>(
    ['lab-acme', 'lab-bright', 'lab-coast'].map((id) => [id, makeAccount(id)]),
  );
  readonly states = new Map<string, AccountState>(
    [...this.records.values()].map((r) => [r.accountId, { status: r.status, baa: r.baa } as AccountState]),
  );
  readonly userItems = new Map<string, AccountUser>();
  async stateOf(accountId: string) {
    return this.states.get(accountId);
  }
  async get(accountId: string) {
    const record = this.records.get(accountId);
    const state = this.states.get(accountId);
    return record && state ? { ...record, ...state } : record;
  }
  async create(record: AccountRecord) {
    if (this.records.has(record.accountId)) return false;
    this.records.set(record.accountId, record);
    this.states.set(record.accountId, { status: record.status, ...(record.baa ? { baa: record.baa } : {}) });
    return true;
  }
  async replace(record: AccountRecord) {
    const current = await this.get(record.accountId);
    if (!current || current.version !== record.version) return false;
    if (!['ONBOARDING', 'ACTIVE', 'SUSPENDED'].includes(current.status)) return false;
    return this.put({ ...record, version: record.version + 1 });
  }
  private put(record: AccountRecord) {
    this.records.set(record.accountId, record);
    this.states.set(record.accountId, { status: record.status, ...(record.baa ? { baa: record.baa } : {}) });
    return true;
  }
  async list(limit: number, cursor?: string) {
    const ids = [...this.records.keys()].sort().filter((id) => !cursor || id > cursor);
    const page = ids.slice(0, limit);
    const accounts = (await Promise.all(page.map((id) => this.get(id)))).filter(
      (r): r is AccountRecord => r !== undefined,
    );
    const last = page.at(-1);
    return { accounts, ...(ids.length > limit && last ? { cursor: last } : {}) };
  }
  async startTermination(accountId: string, at: string) {
    const state = this.states.get(accountId);
    if (!state) return undefined;
    if (state.status === 'TERMINATING' || state.status === 'TERMINATED') return state;
    const next = { ...state, status: 'TERMINATING' as const, terminationStartedAt: at };
    this.states.set(accountId, next);
    return next;
  }
  async finishTermination(accountId: string, _at: string, certificateId: string) {
    const state = this.states.get(accountId);
    this.states.set(accountId, { ...state, status: 'TERMINATED', certificateId });
    const record = this.records.get(accountId);
    if (record) this.records.set(accountId, { ...record, contacts: [] });
  }
  async terminating(limit: number) {
    return [...this.states.entries()]
      .filter(([, s]) => s.status === 'TERMINATING')
      .slice(0, limit)
      .map(([id]) => id);
  }
  async addUser(user: AccountUser) {
    const key = `${user.accountId}/${user.sub}`;
    if (this.userItems.has(key)) return false;
    this.userItems.set(key, user);
    return true;
  }
  async users(accountId: string) {
    return [...this.userItems.values()].filter((u) => u.accountId === accountId);
  }
  async removeUser(accountId: string, sub: string) {
    this.userItems.delete(`${accountId}/${sub}`);
  }
}

/** The user pool: invited users by user name; who was signed out, and how often. */
export class MemoryIdentity implements IdentityProvider {
  readonly users = new Map<string, { email: string; accountId: string; role: string; sub: string }>();
  readonly signedOut: string[] = [];
  async invite(input: { email: string; accountId: string; role: string }) {
    if ([...this.users.values()].some((u) => u.email === input.email)) return { taken: true as const };
    const sub = `sub-${this.users.size + 1}`;
    this.users.set(sub, { ...input, sub });
    return { taken: false as const, username: sub, sub };
  }
  async signOut(username: string) {
    this.signedOut.push(username);
  }
  async remove(username: string) {
    this.users.delete(username);
  }
}

export const makeDeps = () => {
  let n = 0;
  const clock = new FakeClock();
  const deps = {
    orders: new MemoryOrders(),
    accounts: new MemoryAccounts(),
    identity: new MemoryIdentity(),
    audit: new MemoryAudit(),
    phi: new FakeCipher(),
    accountKeys: new MemoryAccountKeys(clock, ['lab-acme', 'lab-bright', 'lab-coast']),
    hasher: new FakeHasher(),
    files: new MemoryFiles(),
    workflow: new MemoryWorkflow(),
    notifier: new MemoryNotifier(),
    clock,
    ids: { next: (prefix: string) => `${prefix}_${String(++n).padStart(6, '0')}` },
  };
  return deps satisfies Deps;
};

export const makeActor = (overrides: Partial<Actor> = {}): Actor => ({
  sub: 'u-lab-acme-1',
  username: 'lab.acme',
  roles: ['lab'],
  accountId: 'lab-acme',
  sourceIp: '127.0.0.1',
  ...overrides,
});

/** A designer's token, as the seeded designers have them. */
export const makeDesigner = (sub: string): Actor =>
  makeActor({ sub, username: `designer.${sub}`, roles: ['designer'], accountId: 'caseline' });

/** Every account on the service's default policy. */
export const defaultPolicies: AccountPolicies = {
  policyFor: async () => ({ retentionDays: 730, autoAcceptDays: 7, deletionGraceDays: 30 }),
};

/** makeDeps plus the design half: these designers in the registry, default account policies. */
export const makeDesignDeps = (designers: Record<string, { skills: string[]; capacity?: number }> = {}) => {
  const registry = new MemoryDesigners();
  for (const [sub, d] of Object.entries(designers)) registry.add(sub, d.skills, d.capacity);
  return { ...makeDeps(), designers: registry, policies: defaultPolicies } satisfies DesignDeps;
};

export const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** The designer registry in memory: skills, capacity and the live slot counter. */
export class MemoryDesigners implements DesignerRegistry {
  readonly all = new Map<string, Designer>();
  add(id: string, skills: string[], capacity = 2) {
    this.all.set(id, {
      designerId: id,
      username: id,
      displayName: id,
      skills,
      capacity,
      activeJobs: 0,
      country: 'IN',
      enabled: true,
      createdAt: '',
      updatedAt: '',
    });
  }
  async get(id: string) {
    return this.all.get(id);
  }
  async list() {
    return [...this.all.values()];
  }
  async create(): Promise<Designer> {
    throw new Error('unused');
  }
  async update(id: string, changes: Partial<Designer>, now: string): Promise<Designer> {
    const d = this.all.get(id);
    if (!d) throw new Error(`no designer ${id}`);
    const next = { ...d, ...changes, updatedAt: now };
    this.all.set(id, next);
    return next;
  }
  async acquireSlot(id: string) {
    const d = this.all.get(id);
    if (!d?.enabled || d.activeJobs >= d.capacity) return false;
    this.all.set(id, { ...d, activeJobs: d.activeJobs + 1 });
    return true;
  }
  async releaseSlot(id: string) {
    const d = this.all.get(id);
    if (d) this.all.set(id, { ...d, activeJobs: Math.max(0, d.activeJobs - 1) });
  }
}
