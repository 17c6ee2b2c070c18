/**
 * A lab administrator's account screen: its users (list, invite, remove), its security contacts,
 * and its exports: portability (GDPR Art 20) and audit trail, each followed until READY, with the
 * download link and a check of the archive in the browser (manifest signature with Web Crypto
 * against the public key from the API, every listed file's SHA-256). The exports of both kinds are
 * listed from the API (GET …/exports and …/audit-exports, newest first, a page at a time); a
 * running one is followed, and a ready one's download link is asked for only when wanted (each
 * hand-out is audited).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { del, get, patch, post, publicGet, type Schemas } from '../api';
import { Failure, Section, StatusBadge, size, when } from '../screens/common';
import { session } from '../session';
import { type ArchiveVerdict, verifyArchive } from './archive';
import { FieldError, issuesOf, messageOf } from './kit';

const enc = encodeURIComponent;
const accountOf = () => session.state()?.identity.accountId ?? '';
/** Archives above this are checked with the CLI: the browser check holds the whole zip in memory. */
const BROWSER_CHECK_LIMIT = 256 * 1024 * 1024;

const Users = ({ accountId }: { accountId: string }) => {
  const [users, setUsers] = useState<Schemas['AccountUser'][] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'lab' | 'lab-admin'>('lab');
  const [failure, setFailure] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();
  const load = useCallback(
    () =>
      get<Schemas['AccountUserList']>(`/accounts/${enc(accountId)}/users`)
        .then((l) => setUsers(l.users))
        .catch((e: unknown) => setError(messageOf(e, 'The users could not be loaded.'))),
    [accountId],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const invite = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    setDone(undefined);
    try {
      const u = await post<Schemas['AccountUser']>(`/accounts/${enc(accountId)}/users`, {
        email,
        role,
      } satisfies Schemas['InviteUserRequest']);
      setDone(`Invited ${u.email}: the invitation e-mail carries a temporary password.`);
      setEmail('');
      void load();
    } catch (err) {
      setFailure(err);
    }
  };
  const remove = async (u: Schemas['AccountUser']) => {
    if (!confirm(`Remove ${u.email}? Every session of theirs ends now.`)) return;
    setError(undefined);
    try {
      await del(`/accounts/${enc(accountId)}/users/${enc(u.userId)}`);
      setDone(`Removed ${u.email}.`);
      void load();
    } catch (err) {
      setError(messageOf(err, 'The user was not removed.'));
    }
  };
  const emailIssues = issuesOf(failure).filter((i) => i.field === 'email');
  return (
    <Section title="Users">
      <Failure error={error} />
      {users && (
        <table class="users" data-testid="user-list">
          <caption class="sr-only">The account's users</caption>
          <thead>
            <tr>
              <th scope="col">E-mail</th>
              <th scope="col">Role</th>
              <th scope="col">Invited</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.userId}>
                <td>{u.email}</td>
                <td>{u.role}</td>
                <td>{when(u.invitedAt)}</td>
                <td>
                  <button type="button" onClick={() => void remove(u)} aria-label={`Remove ${u.email}`}>
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={invite} class="row">
        <label>
          E-mail of the user to invite
          <input
            type="email"
            required
            maxLength={254}
            value={email}
            aria-invalid={emailIssues.length > 0}
            aria-describedby={emailIssues.length ? 'err-invite-email' : undefined}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Role{' '}
          <select
            value={role}
            onChange={(e) => setRole((e.target as HTMLSelectElement).value as 'lab' | 'lab-admin')}
          >
            <option value="lab">lab</option>
            <option value="lab-admin">lab-admin</option>
          </select>
        </label>
        <button type="submit">Invite</button>
      </form>
      <FieldError id="err-invite-email" issues={emailIssues} />
      <Failure
        error={failure && !emailIssues.length ? messageOf(failure, 'The invitation failed.') : undefined}
      />
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
    </Section>
  );
};

type Contact = NonNullable<Schemas['UpdateAccountRequest']['contacts']>[number];
const NOTICE_KINDS: Contact['notices'] = [
  'breach',
  'security-incident',
  'sub-processor-change',
  'termination',
  'audit',
];

const Contacts = ({ accountId }: { accountId: string }) => {
  const [contacts, setContacts] = useState<Contact[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [failure, setFailure] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();
  useEffect(() => {
    get<Schemas['Account']>(`/accounts/${enc(accountId)}`)
      .then((a) => setContacts(a.contacts.map((c) => ({ ...c, notices: c.notices as Contact['notices'] }))))
      .catch((e: unknown) => setError(messageOf(e, 'The account could not be loaded.')));
  }, [accountId]);
  if (!contacts)
    return (
      <Section title="Security contacts">
        <Failure error={error} />
      </Section>
    );
  const set = (i: number, change: Partial<Contact>) =>
    setContacts(contacts.map((c, j) => (j === i ? { ...c, ...change } : c)));
  const save = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    setDone(undefined);
    try {
      const a = await patch<Schemas['Account']>(`/accounts/${enc(accountId)}`, {
        contacts,
      } satisfies Schemas['UpdateAccountRequest']);
      setContacts(a.contacts.map((c) => ({ ...c, notices: c.notices as Contact['notices'] })));
      setDone('Security contacts saved.');
    } catch (err) {
      setFailure(err);
    }
  };
  const issues = issuesOf(failure);
  return (
    <Section title="Security contacts">
      <form onSubmit={save} data-testid="contacts-form">
        {contacts.map((c, i) => {
          const mine = (f: string) => issues.filter((x) => x.field === `contacts.${i}.${f}`);
          const field = (
            f: 'name' | 'email' | 'phone',
            label: string,
            type: 'text' | 'email' | 'tel' = 'text',
          ) => (
            <>
              <label>
                {label}
                <input
                  // One of text, email, tel: never a type that needs `list`.
                  type={type as 'text'}
                  value={c[f]}
                  maxLength={254}
                  aria-invalid={mine(f).length > 0}
                  aria-describedby={mine(f).length ? `err-contact-${i}-${f}` : undefined}
                  onInput={(e) => set(i, { [f]: (e.target as HTMLInputElement).value })}
                />
              </label>
              <FieldError id={`err-contact-${i}-${f}`} issues={mine(f)} />
            </>
          );
          return (
            <fieldset key={i}>
              <legend>Contact {i + 1}</legend>
              {field('name', 'Name')}
              {field('email', 'E-mail', 'email')}
              {field('phone', 'Phone', 'tel')}
              <fieldset>
                <legend>Receives</legend>
                {NOTICE_KINDS.map((k) => (
                  <label key={k} class="inline">
                    <input
                      type="checkbox"
                      checked={c.notices.includes(k)}
                      onChange={(e) =>
                        set(i, {
                          notices: (e.target as HTMLInputElement).checked
                            ? [...c.notices, k]
                            : c.notices.filter((n) => n !== k),
                        })
                      }
                    />{' '}
                    {k}
                  </label>
                ))}
              </fieldset>
              <button type="button" onClick={() => setContacts(contacts.filter((_, j) => j !== i))}>
                Remove contact {i + 1}
              </button>
            </fieldset>
          );
        })}
        <div class="toolbar">
          <button
            type="button"
            onClick={() =>
              setContacts([...contacts, { name: '', email: '', phone: '', notices: ['breach'] }])
            }
          >
            Add a contact
          </button>
          <button type="submit">Save the contacts</button>
        </div>
      </form>
      <Failure
        error={
          failure && !issues.some((x) => x.field.startsWith('contacts.'))
            ? messageOf(failure, 'Not saved.')
            : undefined
        }
      />
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
    </Section>
  );
};

type AnyExport = Schemas['ExportStatus'] | Schemas['AuditExportStatus'];
type Kind = 'account-export' | 'audit-export';
type Listed = { kind: Kind; record: AnyExport };
const PAGE = 10;
const routeOf = (kind: Kind) => (kind === 'audit-export' ? 'audit-exports' : 'exports');
/** Newest first across both kinds (ids are time-ordered within a kind). */
const newestFirst = (a: Listed, b: Listed) =>
  b.record.requestedAt.localeCompare(a.record.requestedAt) ||
  b.record.exportId.localeCompare(a.record.exportId);

const ExportRow = ({
  accountId,
  kind,
  listed,
  follow,
}: {
  accountId: string;
  kind: Kind;
  listed: AnyExport;
  follow: boolean;
}) => {
  const { exportId } = listed;
  const [status, setStatus] = useState<AnyExport>(listed);
  const [error, setError] = useState<string | undefined>();
  const [verdict, setVerdict] = useState<ArchiveVerdict | 'checking' | undefined>();
  const [asking, setAsking] = useState(false);
  const path = `/accounts/${enc(accountId)}/${routeOf(kind)}/${enc(exportId)}`;
  // A running export (or the one just asked for) is followed every 2 s until it is done; the
  // status route's answer for a ready one carries its download link.
  const running = listed.status === 'RUNNING' || follow;
  useEffect(() => {
    if (!running) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = async () => {
      try {
        const s = await get<AnyExport>(path);
        if (!live) return;
        setStatus(s);
        if (s.status === 'RUNNING') timer = setTimeout(() => void next(), 2000);
      } catch (e) {
        if (live) setError(messageOf(e, 'The export could not be read.'));
      }
    };
    void next();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [path, running]);
  const askLink = async () => {
    setAsking(true);
    setError(undefined);
    try {
      setStatus(await get<AnyExport>(path));
    } catch (e) {
      setError(messageOf(e, 'The download link could not be had.'));
    } finally {
      setAsking(false);
    }
  };
  const check = async () => {
    if (!status.download) return;
    setVerdict('checking');
    try {
      const key = await publicGet<Schemas['PublicKey']>(
        kind === 'audit-export' ? '/audit/public-key' : '/certificates/public-key',
      );
      const res = await fetch(status.download.url, { credentials: 'omit', cache: 'no-store' });
      if (!res.ok) throw new Error(`The archive could not be downloaded (HTTP ${res.status}).`);
      const zip = new Uint8Array(await res.arrayBuffer());
      setVerdict(await verifyArchive(zip, kind, key.publicKeyPem, status.manifestSha256));
    } catch (e) {
      setVerdict({ valid: false, reason: e instanceof Error ? e.message : 'The check failed.' });
    }
  };
  const label = kind === 'audit-export' ? 'Audit export' : 'Portability export';
  return (
    <li class="card" data-testid={`export-${exportId}`}>
      <h3>
        {label} {exportId} <StatusBadge status={status.status} />
      </h3>
      <Failure error={error} />
      <dl class="facts">
        {'from' in status && (
          <>
            <dt>Range</dt>
            <dd>
              {when(status.from)} to {when(status.to)}
            </dd>
          </>
        )}
        <dt>Asked</dt>
        <dd>{when(status.requestedAt)}</dd>
        <dt>Written</dt>
        <dd>{when(status.completedAt)}</dd>
        {status.sizeBytes !== undefined && (
          <>
            <dt>Size</dt>
            <dd>{size(status.sizeBytes)}</dd>
          </>
        )}
        {status.failure && (
          <>
            <dt>Failure</dt>
            <dd>{status.failure}</dd>
          </>
        )}
      </dl>
      {status.status === 'RUNNING' && <p aria-busy="true">Being written… (followed every 2 s)</p>}
      {status.status === 'READY' && !status.download && (
        <div class="toolbar">
          <button type="button" onClick={() => void askLink()} disabled={asking}>
            Get the download link
          </button>{' '}
          <span class="hint">valid 15 minutes; handing it out is audited</span>
        </div>
      )}
      {status.download && (
        <div class="toolbar">
          <a class="button" href={status.download.url} download={status.download.fileName} rel="noreferrer">
            Download {status.download.fileName}
          </a>{' '}
          <span class="hint">link valid until {when(status.download.expiresAt)}</span>
          {(status.sizeBytes ?? 0) <= BROWSER_CHECK_LIMIT ? (
            <button type="button" onClick={() => void check()} disabled={verdict === 'checking'}>
              Verify in the browser
            </button>
          ) : (
            <span class="hint">Too large to check here: use the CLI.</span>
          )}
        </div>
      )}
      {verdict === 'checking' && <p aria-busy="true">Checking the archive…</p>}
      {verdict && verdict !== 'checking' && (
        <p role="status" class={verdict.valid ? 'notice' : 'error'} data-testid="archive-verdict">
          {verdict.valid
            ? `Valid: the manifest's signature holds and all ${verdict.files} files match it.${
                kind === 'audit-export'
                  ? ' The events against the signed digests: caseline verify-audit.'
                  : ''
              }`
            : `Not valid: ${verdict.reason}`}
        </p>
      )}
    </li>
  );
};

const isoMinus = (ms: number) => new Date(Date.now() - ms).toISOString();

const Exports = ({ accountId }: { accountId: string }) => {
  const [list, setList] = useState<Listed[]>([]);
  /** Where each kind's next page starts; absent: no more of that kind. */
  const [cursors, setCursors] = useState<Partial<Record<Kind, string>>>({});
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<string | undefined>();
  /** The export just asked for: followed at once, whatever the list said. */
  const [asked, setAsked] = useState<string | undefined>();
  const [from, setFrom] = useState(isoMinus(24 * 3_600_000));
  const [to, setTo] = useState(isoMinus(0));
  const [failure, setFailure] = useState<unknown>();
  /** One page of each kind (the first, or the next after `after`), merged newest first into `keep`. */
  const load = useCallback(
    async (after: Partial<Record<Kind, string>> | undefined, keep: Listed[]) => {
      setLoading(true);
      setLoadError(undefined);
      const kinds: Kind[] = after ? (Object.keys(after) as Kind[]) : ['account-export', 'audit-export'];
      try {
        const pages = await Promise.all(
          kinds.map(async (kind) => {
            const cursor = after?.[kind];
            const q = `?limit=${PAGE}${cursor ? `&cursor=${enc(cursor)}` : ''}`;
            const page = await get<Schemas['ExportList'] | Schemas['AuditExportList']>(
              `/accounts/${enc(accountId)}/${routeOf(kind)}${q}`,
            );
            return { kind, page };
          }),
        );
        const seen = new Set(keep.map((x) => x.record.exportId));
        const added = pages.flatMap(({ kind, page }) =>
          page.exports.filter((r) => !seen.has(r.exportId)).map((record): Listed => ({ kind, record })),
        );
        setList([...keep, ...added].sort(newestFirst));
        setCursors(
          Object.fromEntries(
            pages.flatMap(({ kind, page }) => (page.nextCursor ? [[kind, page.nextCursor]] : [])),
          ),
        );
      } catch (e) {
        setLoadError(messageOf(e, 'The exports could not be listed.'));
      } finally {
        setLoading(false);
      }
    },
    [accountId],
  );
  useEffect(() => {
    void load(undefined, []);
  }, [load]);
  const add = (exportId: string) => {
    setAsked(exportId);
    void load(undefined, []);
  };
  const askPortability = async () => {
    setFailure(undefined);
    try {
      const r = await post<Schemas['ExportRequested']>(`/accounts/${enc(accountId)}/exports`);
      add(r.exportId);
    } catch (e) {
      setFailure(e);
    }
  };
  const askAudit = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    try {
      const r = await post<Schemas['AuditExportRequested']>(`/accounts/${enc(accountId)}/audit-exports`, {
        from,
        to,
      } satisfies Schemas['AuditExportRequest']);
      add(r.exportId);
    } catch (err) {
      setFailure(err);
    }
  };
  const issues = issuesOf(failure);
  const on = (f: string) => issues.filter((i) => i.field === f);
  return (
    <Section title="Exports">
      <p>
        <button type="button" onClick={() => void askPortability()}>
          Export all the account's data
        </button>{' '}
        <span class="hint">every order, its scans and delivered design, in one zip (GDPR Art 20)</span>
      </p>
      <form onSubmit={askAudit} class="row" aria-label="Audit export">
        <label>
          Audit events from (UTC, ISO 8601)
          <input
            value={from}
            maxLength={40}
            aria-invalid={on('from').length > 0}
            aria-describedby={on('from').length ? 'err-from' : undefined}
            onInput={(e) => setFrom((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          to
          <input
            value={to}
            maxLength={40}
            aria-invalid={on('to').length > 0}
            aria-describedby={on('to').length ? 'err-to' : undefined}
            onInput={(e) => setTo((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Export the audit trail</button>
      </form>
      <FieldError id="err-from" issues={on('from')} />
      <FieldError id="err-to" issues={on('to')} />
      <Failure
        error={failure && !issues.length ? messageOf(failure, 'The export was not started.') : undefined}
      />
      <Failure error={loadError} />
      <ul
        class="bare"
        data-testid="exports"
        aria-busy={loading}
        aria-label="The account's exports, newest first"
      >
        {list.map((x) => (
          <ExportRow
            key={x.record.exportId}
            accountId={accountId}
            kind={x.kind}
            listed={x.record}
            follow={x.record.exportId === asked}
          />
        ))}
      </ul>
      {!loading && !loadError && list.length === 0 && <p class="hint">No exports yet.</p>}
      {Object.keys(cursors).length > 0 && (
        <p>
          <button type="button" onClick={() => void load(cursors, list)} disabled={loading}>
            Show older exports
          </button>
        </p>
      )}
    </Section>
  );
};

export const AccountAdmin = () => {
  const accountId = accountOf();
  return (
    <section aria-labelledby="admin-title">
      <h1 id="admin-title">Account {accountId}</h1>
      <Users accountId={accountId} />
      <Contacts accountId={accountId} />
      <Exports accountId={accountId} />
    </section>
  );
};
