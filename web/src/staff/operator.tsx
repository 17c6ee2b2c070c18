/**
 * The operator's screens: the designer registry (list, register, deactivate), the partner
 * accounts (list, paged; one account's record and users), and on the local stack its clock
 * (`/local/clock`, a route of the local stack only: on AWS time is not ours to move).
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { RESTORATION_TYPES } from '../../../lambdas/domain/catalog';
import { del, get, post, publicGet, type Schemas } from '../api';
import { Failure, Section, StatusBadge, when } from '../screens/common';
import { FieldError, issuesOf, messageOf } from './kit';

const enc = encodeURIComponent;
type Designer = Schemas['Designer'];

const Designers = () => {
  const [list, setList] = useState<Designer[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [draft, setDraft] = useState({
    designerId: '',
    username: '',
    displayName: '',
    country: '',
    capacity: '3',
    skills: [] as string[],
  });
  const [failure, setFailure] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();
  const load = useCallback(
    () =>
      get<Schemas['DesignerList']>('/designers')
        .then((l) => setList(l.designers))
        .catch((e: unknown) => setError(messageOf(e, 'The registry could not be loaded.'))),
    [],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const register = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    setDone(undefined);
    try {
      const d = await post<Designer>('/designers', {
        ...draft,
        capacity: Number(draft.capacity),
        enabled: true,
      } satisfies Schemas['CreateDesignerRequest']);
      setDone(`Registered ${d.username}.`);
      void load();
    } catch (err) {
      setFailure(err);
    }
  };
  const deactivate = async (d: Designer) => {
    setError(undefined);
    try {
      await del<Designer>(`/designers/${enc(d.designerId)}`);
      setDone(`Deactivated ${d.username}: kept on file, claims no work.`);
      void load();
    } catch (err) {
      setError(messageOf(err, 'The designer was not deactivated.'));
    }
  };
  const issues = issuesOf(failure);
  const on = (f: string) => issues.filter((i) => i.field === f);
  const text = (f: 'designerId' | 'username' | 'displayName' | 'country' | 'capacity', label: string) => (
    <>
      <label>
        {label}
        <input
          value={draft[f]}
          maxLength={128}
          aria-invalid={on(f).length > 0}
          aria-describedby={on(f).length ? `err-designer-${f}` : undefined}
          onInput={(e) => setDraft({ ...draft, [f]: (e.target as HTMLInputElement).value })}
        />
      </label>
      <FieldError id={`err-designer-${f}`} issues={on(f)} />
    </>
  );
  return (
    <Section title="Designer registry">
      <Failure error={error} />
      {list && (
        <table data-testid="designer-list">
          <caption class="sr-only">Designers, by username</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Name</th>
              <th scope="col">Country</th>
              <th scope="col">Skills</th>
              <th scope="col">Jobs / capacity</th>
              <th scope="col">Active</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <tr key={d.designerId}>
                <td>{d.username}</td>
                <td>{d.displayName}</td>
                <td>{d.country}</td>
                <td>{d.skills.join(', ')}</td>
                <td>
                  {d.activeJobs} / {d.capacity}
                </td>
                <td data-testid={`enabled-${d.username}`}>{d.enabled ? 'yes' : 'no'}</td>
                <td>
                  {d.enabled && (
                    <button
                      type="button"
                      aria-label={`Deactivate ${d.username}`}
                      onClick={() => void deactivate(d)}
                    >
                      Deactivate
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form onSubmit={register} aria-label="Register a designer">
        <h3>Register a designer</h3>
        {text('designerId', 'Cognito sub')}
        {text('username', 'Username')}
        {text('displayName', 'Display name')}
        {text('country', 'Country (ISO 3166-1 alpha-2)')}
        {text('capacity', 'Capacity (jobs at once)')}
        <fieldset aria-invalid={on('skills').length > 0}>
          <legend>Skills</legend>
          {RESTORATION_TYPES.map((t) => (
            <label key={t} class="inline">
              <input
                type="checkbox"
                checked={draft.skills.includes(t)}
                onChange={(e) =>
                  setDraft({
                    ...draft,
                    skills: (e.target as HTMLInputElement).checked
                      ? [...draft.skills, t]
                      : draft.skills.filter((s) => s !== t),
                  })
                }
              />{' '}
              {t}
            </label>
          ))}
        </fieldset>
        <FieldError id="err-designer-skills" issues={on('skills')} />
        <Failure
          error={
            failure && !issues.length ? messageOf(failure, 'The designer was not registered.') : undefined
          }
        />
        <button type="submit">Register</button>
      </form>
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
    </Section>
  );
};

const Accounts = ({ cursor, onCursor }: { cursor: string; onCursor: (c: string) => void }) => {
  const [page, setPage] = useState<Schemas['AccountList'] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    const q = new URLSearchParams({ limit: '20' });
    if (cursor) q.set('cursor', cursor);
    get<Schemas['AccountList']>(`/accounts?${q}`)
      .then(setPage)
      .catch((e: unknown) => setError(messageOf(e, 'The accounts could not be loaded.')));
  }, [cursor]);
  return (
    <Section title="Partner accounts">
      <Failure error={error} />
      {page && (
        <table data-testid="account-list">
          <caption class="sr-only">Partner accounts, by id</caption>
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Legal name</th>
              <th scope="col">Status</th>
              <th scope="col">BAA</th>
            </tr>
          </thead>
          <tbody>
            {page.accounts.map((a) => (
              <tr key={a.accountId}>
                <td>
                  <a href={`#/operator/accounts/${enc(a.accountId)}`}>{a.accountId}</a>
                </td>
                <td>{a.legalName}</td>
                <td>
                  <StatusBadge status={a.status} />
                </td>
                <td>{a.baa ? `${a.baa.version}, notice within ${a.baa.breachNoticeHours} h` : 'none'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Account pages">
        <button type="button" disabled={!cursor} onClick={() => onCursor('')}>
          First
        </button>
        <button type="button" disabled={!page?.nextCursor} onClick={() => onCursor(page?.nextCursor ?? '')}>
          Next
        </button>
      </nav>
    </Section>
  );
};

export const AccountView = ({ accountId }: { accountId: string }) => {
  const [account, setAccount] = useState<Schemas['Account'] | undefined>();
  const [users, setUsers] = useState<Schemas['AccountUser'][] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    Promise.all([
      get<Schemas['Account']>(`/accounts/${enc(accountId)}`),
      get<Schemas['AccountUserList']>(`/accounts/${enc(accountId)}/users`),
    ])
      .then(([a, u]) => {
        setAccount(a);
        setUsers(u.users);
      })
      .catch((e: unknown) => setError(messageOf(e, 'The account could not be loaded.')));
  }, [accountId]);
  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">
        Account {accountId} {account && <StatusBadge status={account.status} />}
      </h1>
      <p>
        <a href="#/operator">Back to the operator's screen</a>
      </p>
      <Failure error={error} />
      {account && (
        <dl class="facts" data-testid="account-facts">
          <dt>Legal name</dt>
          <dd>{account.legalName}</dd>
          <dt>Where</dt>
          <dd>
            {account.country}
            {account.state ? `, ${account.state}` : ''}
          </dd>
          <dt>BAA</dt>
          <dd>
            {account.baa
              ? `${account.baa.version}, signed ${account.baa.signedAt}, in effect ${account.baa.effectiveAt}, breach notice within ${account.baa.breachNoticeHours} h`
              : 'none on file'}
          </dd>
          <dt>Policy</dt>
          <dd>
            retention {account.policy.retentionDays} days, auto-accept {account.policy.autoAcceptDays} days,
            deletion grace {account.policy.deletionGraceDays} days
          </dd>
          <dt>Security contacts</dt>
          <dd>
            {account.contacts.map((c) => `${c.name} <${c.email}> (${c.notices.join(', ')})`).join('; ') ||
              'none'}
          </dd>
          <dt>Updated</dt>
          <dd>{when(account.updatedAt)}</dd>
        </dl>
      )}
      {users && (
        <Section title="Users">
          <ul class="bare">
            {users.map((u) => (
              <li key={u.userId}>
                {u.email} ({u.role})
              </li>
            ))}
          </ul>
        </Section>
      )}
    </section>
  );
};

/** The local stack's clock: every deadline (leases, notices, purges) runs on it. */
const Clock = () => {
  const [now, setNow] = useState<string | undefined>();
  const [hours, setHours] = useState('1');
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  useEffect(() => {
    publicGet<{ now: string }>('/local/clock')
      .then((c) => setNow(c.now))
      .catch(() => setError('The clock could not be read.'));
  }, []);
  const advance = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setDone(undefined);
    try {
      const r = await post<{ now: string; jobs?: unknown }>('/local/clock/advance', { hours: Number(hours) });
      setNow(r.now);
      setDone(`Moved on ${hours} h; the scheduled jobs ran.`);
    } catch (err) {
      setError(messageOf(err, 'The clock did not move.'));
    }
  };
  return (
    <Section title="Local stack clock">
      <p>
        Now on the stack: <strong data-testid="stack-now">{when(now)}</strong>
      </p>
      <form onSubmit={advance} class="row">
        <label>
          Hours to move on
          <input
            type="number"
            min={1}
            max={24 * 400}
            value={hours}
            onInput={(e) => setHours((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Advance the clock</button>
      </form>
      <Failure error={error} />
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
    </Section>
  );
};

export const OperatorHome = ({ local, query }: { local: boolean; query: URLSearchParams }) => (
  <section aria-labelledby="operator-title">
    <h1 id="operator-title">Operations</h1>
    <Accounts
      cursor={query.get('cursor') ?? ''}
      onCursor={(c) => {
        location.hash = c ? `/operator?cursor=${enc(c)}` : '/operator';
      }}
    />
    <Designers />
    {local && <Clock />}
  </section>
);
