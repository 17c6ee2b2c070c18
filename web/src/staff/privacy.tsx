/**
 * The privacy officer's screens: the incidents with the time left to the earliest notice deadline
 * of each (from the list alone), and one incident (timeline, signals, scope, triage, notices, containment,
 * close). Only ids, codes, counts and dates come from these routes: no patient reference.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, post, put, type Schemas } from '../api';
import { Failure, Section, StatusBadge, when } from '../screens/common';
import { FieldError, issuesOf, messageOf, timeLeft, useNow } from './kit';

type Incident = Schemas['Incident'];
/** Each notice with `msLeft`, the time left to its deadline on the service's clock. */
type Notice = Schemas['IncidentNotice'];
const OPEN = (s: string) => s !== 'CLOSED' && s !== 'DISMISSED';
const enc = encodeURIComponent;

/** An incident read, with when it was read: time left counts down from the service's own `msLeft`. */
interface Loaded {
  readonly incident: Incident;
  readonly notices: readonly Notice[];
  readonly at: number;
}
const loadIncident = async (incidentId: string): Promise<Loaded> => {
  const incident = await get<Incident>(`/incidents/${enc(incidentId)}`);
  return { incident, notices: incident.notices, at: Date.now() };
};
const leftNow = (n: Notice, loadedAt: number, now: number) =>
  n.msLeft === undefined ? undefined : n.msLeft - (now - loadedAt);

const Deadline = ({ notice, loadedAt, now }: { notice: Notice; loadedAt: number; now: number }) => {
  const ms = leftNow(notice, loadedAt, now);
  if (notice.status !== 'DRAFT' || ms === undefined) return <span>{notice.status.toLowerCase()}</span>;
  return (
    <span role="timer" class={ms < 0 ? 'error' : ''} data-testid={`deadline-${notice.accountId}`}>
      {timeLeft(ms)}
    </span>
  );
};

/** What the list shows of one incident's deadlines: all from its list item, no read of the incident. */
const NextDeadline = ({
  incident: i,
  loadedAt,
  now,
}: {
  incident: Schemas['IncidentSummary'];
  loadedAt: number;
  now: number;
}) => {
  if (!OPEN(i.status)) return <>–</>;
  if (i.affectedAccounts === undefined) return <>being scoped</>;
  if (i.affectedAccounts === 0) return <>no account affected</>;
  if (!i.unsentNotices || i.msLeft === undefined || !i.nextDueAccountId)
    return <>all {i.affectedAccounts} notice(s) sent</>;
  const ms = i.msLeft - (now - loadedAt);
  return (
    <>
      {i.nextDueAccountId}:{' '}
      <span role="timer" class={ms < 0 ? 'error' : ''} data-testid={`deadline-${i.nextDueAccountId}`}>
        {timeLeft(ms)}
      </span>
      <span class="hint">
        {' '}
        {i.unsentNotices} of {i.affectedAccounts} account(s) not notified yet
      </span>
    </>
  );
};

export const Incidents = () => {
  const [list, setList] = useState<Schemas['IncidentSummary'][] | undefined>();
  const [loadedAt, setLoadedAt] = useState(Date.now());
  const [error, setError] = useState<string | undefined>();
  const now = useNow();

  useEffect(() => {
    // One read: each item carries its earliest unsent notice's deadline (msLeft on the service's clock).
    get<Schemas['IncidentList']>('/incidents?limit=25')
      .then((l) => {
        setLoadedAt(Date.now());
        setList(l.incidents);
      })
      .catch((e: unknown) => setError(messageOf(e, 'The incidents could not be loaded.')));
  }, []);

  return (
    <section aria-labelledby="incidents-title">
      <h1 id="incidents-title">Incidents</h1>
      <Failure error={error} />
      {!list && !error && <p aria-busy="true">Loading incidents…</p>}
      {list && list.length === 0 && <p>No incidents.</p>}
      {list && list.length > 0 && (
        <table data-testid="incident-list">
          <caption class="sr-only">Incidents, newest first, with the next notice deadline of each</caption>
          <thead>
            <tr>
              <th scope="col">Incident</th>
              <th scope="col">Status</th>
              <th scope="col">Kinds</th>
              <th scope="col">Discovered</th>
              <th scope="col">Next notice deadline</th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <tr key={i.incidentId}>
                <td>
                  <a href={`#/incidents/${enc(i.incidentId)}`}>{i.incidentId}</a>
                </td>
                <td>
                  <StatusBadge status={i.status} />
                </td>
                <td>{i.kinds.join(', ')}</td>
                <td>{when(i.discoveredAt)}</td>
                <td>
                  <NextDeadline incident={i} loadedAt={loadedAt} now={now} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};

const FACTORS = [
  [
    'natureAndExtent',
    'Nature and extent of the PHI involved (types of identifiers, likelihood of re-identification)',
  ],
  ['unauthorizedPerson', 'The unauthorized person who used the PHI or to whom it was disclosed'],
  ['acquiredOrViewed', 'Whether the PHI was actually acquired or viewed'],
  ['mitigation', 'The extent to which the risk to the PHI has been mitigated'],
  ['safeHarbour', 'Safe-harbour reasoning (e.g. encrypted, the key not exposed)'],
] as const;
type Factor = (typeof FACTORS)[number][0];

const Triage = ({ incidentId, onDone }: { incidentId: string; onDone: () => void }) => {
  const [decision, setDecision] = useState<'confirmed' | 'not-a-breach'>('confirmed');
  const [factors, setFactors] = useState<Record<Factor, string>>({
    natureAndExtent: '',
    unauthorizedPerson: '',
    acquiredOrViewed: '',
    mitigation: '',
    safeHarbour: '',
  });
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const issues = issuesOf(failure);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      const body: Schemas['TriageRequest'] =
        decision === 'confirmed' ? { decision } : { decision, ...factors };
      await post(`/incidents/${enc(incidentId)}/triage`, body);
      onDone();
    } catch (err) {
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} data-testid="triage-form">
      <fieldset>
        <legend>Decision</legend>
        <label>
          <input
            type="radio"
            name="decision"
            checked={decision === 'confirmed'}
            onChange={() => setDecision('confirmed')}
          />{' '}
          Confirmed breach: the notices go out
        </label>{' '}
        <label>
          <input
            type="radio"
            name="decision"
            checked={decision === 'not-a-breach'}
            onChange={() => setDecision('not-a-breach')}
          />{' '}
          Not a breach (HIPAA 164.402(2) four-factor assessment)
        </label>
      </fieldset>
      {decision === 'not-a-breach' &&
        FACTORS.map(([field, label]) => {
          const mine = issues.filter((i) => i.field === field);
          return (
            <div key={field}>
              <label>
                {label}
                <textarea
                  name={field}
                  rows={2}
                  maxLength={2000}
                  value={factors[field]}
                  aria-invalid={mine.length > 0}
                  aria-describedby={mine.length ? `err-${field}` : undefined}
                  onInput={(ev) =>
                    setFactors({ ...factors, [field]: (ev.target as HTMLTextAreaElement).value })
                  }
                />
              </label>
              <FieldError id={`err-${field}`} issues={mine} />
            </div>
          );
        })}
      <Failure error={failure && !issues.length ? messageOf(failure, 'The triage failed.') : undefined} />
      <button type="submit" disabled={busy}>
        Record the decision
      </button>
    </form>
  );
};

const NOTICE_FIELDS = [
  ['nature', 'Nature of the breach'],
  ['likelyConsequences', 'Likely consequences'],
  ['measuresTaken', 'Measures taken'],
  ['measuresProposed', 'Measures proposed'],
  ['whatTheLabShouldDo', 'What the lab should do'],
] as const;
type NoticeField = (typeof NOTICE_FIELDS)[number][0];

const NoticeEditor = ({
  incidentId,
  notice,
  canSend,
  loadedAt,
  now,
  onDone,
}: {
  incidentId: string;
  notice: Notice;
  canSend: boolean;
  loadedAt: number;
  now: number;
  onDone: () => void;
}) => {
  const initial = Object.fromEntries(NOTICE_FIELDS.map(([f]) => [f, notice[f]])) as Record<
    NoticeField,
    string
  >;
  const [text, setText] = useState(initial);
  const [failure, setFailure] = useState<unknown>();
  const [done, setDone] = useState<string | undefined>();
  const issues = issuesOf(failure);
  const path = `/incidents/${enc(incidentId)}/notices/${enc(notice.accountId)}`;
  const act = async (what: 'save' | 'send') => {
    setFailure(undefined);
    setDone(undefined);
    try {
      const changed = Object.fromEntries(
        NOTICE_FIELDS.map(([f]) => f)
          .filter((f) => text[f] !== notice[f])
          .map((f) => [f, text[f]]),
      );
      if (Object.keys(changed).length) await put(path, changed satisfies Schemas['EditNoticeRequest']);
      if (what === 'send') await post(path);
      setDone(what === 'send' ? 'Sent to the account’s breach contacts.' : 'Saved.');
      onDone();
    } catch (err) {
      setFailure(err);
    }
  };
  const id = (f: string) => `${notice.accountId}-${f}`;
  return (
    <section
      aria-label={`Notice to ${notice.accountId}`}
      class="card"
      data-testid={`notice-${notice.accountId}`}
    >
      <h3>
        {notice.accountId} <StatusBadge status={notice.status} />{' '}
        <Deadline notice={notice} loadedAt={loadedAt} now={now} />
      </h3>
      <dl class="facts">
        <dt>Due</dt>
        <dd>{when(notice.dueAt)}</dd>
        <dt>Orders</dt>
        <dd>{notice.orderIds.join(', ') || '–'}</dd>
        <dt>Approximate patients, records</dt>
        <dd>
          {notice.approximatePatients}, {notice.approximateRecords}
        </dd>
        <dt>Categories</dt>
        <dd>{notice.categories.join(', ') || '–'}</dd>
        {notice.sentAt && (
          <>
            <dt>Sent</dt>
            <dd>{when(notice.sentAt)}</dd>
          </>
        )}
        {notice.acknowledgedAt && (
          <>
            <dt>Acknowledged</dt>
            <dd>{when(notice.acknowledgedAt)}</dd>
          </>
        )}
      </dl>
      {notice.scopeChangedAt && notice.status !== 'WITHDRAWN' && (
        <p class="notice" role="note" data-testid={`scope-changed-${notice.accountId}`}>
          {notice.status === 'DRAFT'
            ? `The incident's scope grew after this draft was edited (${when(notice.scopeChangedAt)}): the facts above are current; read your words again before sending.`
            : `The incident's scope grew after this notice was sent (${when(notice.scopeChangedAt)}): send a supplement (GDPR Art 33(4)). It will carry ${
                notice.pendingScope?.orderIds.length ?? notice.orderIds.length
              } order(s), about ${notice.pendingScope?.approximatePatients ?? notice.approximatePatients} patient(s).`}
        </p>
      )}
      {notice.status !== 'WITHDRAWN' &&
        NOTICE_FIELDS.map(([f, label]) => {
          const mine = issues.filter((i) => i.field === f);
          return (
            <div key={f}>
              <label>
                {label}
                <textarea
                  id={id(f)}
                  rows={2}
                  maxLength={4000}
                  value={text[f]}
                  aria-invalid={mine.length > 0}
                  aria-describedby={mine.length ? `err-${id(f)}` : undefined}
                  onInput={(ev) => setText({ ...text, [f]: (ev.target as HTMLTextAreaElement).value })}
                />
              </label>
              <FieldError id={`err-${id(f)}`} issues={mine} />
            </div>
          );
        })}
      <Failure
        error={failure && !issues.length ? messageOf(failure, 'The notice was not changed.') : undefined}
      />
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      {notice.status !== 'WITHDRAWN' && (
        <div class="toolbar">
          <button type="button" onClick={() => void act('save')}>
            Save the notice
          </button>
          <button type="button" disabled={!canSend} onClick={() => void act('send')}>
            {notice.sentAt ? 'Send again (supplement)' : 'Send the notice'}
          </button>
        </div>
      )}
    </section>
  );
};

const Containment = ({
  incidentId,
  actors,
  onDone,
}: {
  incidentId: string;
  actors: string[];
  onDone: () => void;
}) => {
  const [result, setResult] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const contain = async (actorSub: string) => {
    setError(undefined);
    try {
      const r = await post<Schemas['ContainmentResult']>(`/incidents/${enc(incidentId)}/containment`, {
        actorSub,
      } satisfies Schemas['ContainmentRequest']);
      setResult(
        `${r.actorSub}: ${r.designerDeactivated ? 'designer deactivated, ' : ''}${
          r.sessionsRevoked ? 'sessions revoked, ' : ''
        }${r.leasesReleased.length} order(s) back in the queue.`,
      );
      onDone();
    } catch (e) {
      setError(messageOf(e, 'The containment failed.'));
    }
  };
  if (!actors.length) return <p>No actor to contain: the signals name none.</p>;
  return (
    <>
      <ul class="bare">
        {actors.map((a) => (
          <li key={a}>
            <button type="button" onClick={() => void contain(a)}>
              Contain {a}
            </button>
          </li>
        ))}
      </ul>
      <p class="hint">
        Deactivates a designer (kept on file), revokes every session, returns its orders to the queue.
      </p>
      <Failure error={error} />
      {result && (
        <p class="notice" role="status">
          {result}
        </p>
      )}
    </>
  );
};

const Close = ({ incidentId, onDone }: { incidentId: string; onDone: () => void }) => {
  const [summary, setSummary] = useState('');
  const [failure, setFailure] = useState<unknown>();
  const issues = issuesOf(failure).filter((i) => i.field === 'summary');
  const submit = async (e: Event) => {
    e.preventDefault();
    setFailure(undefined);
    try {
      await post(`/incidents/${enc(incidentId)}/close`, {
        summary,
      } satisfies Schemas['CloseIncidentRequest']);
      onDone();
    } catch (err) {
      setFailure(err);
    }
  };
  return (
    <form onSubmit={submit}>
      <label>
        Closing summary
        <textarea
          rows={3}
          maxLength={4000}
          value={summary}
          aria-invalid={issues.length > 0}
          aria-describedby={issues.length ? 'err-summary' : undefined}
          onInput={(e) => setSummary((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <FieldError id="err-summary" issues={issues} />
      <Failure
        error={failure && !issues.length ? messageOf(failure, 'The incident was not closed.') : undefined}
      />
      <button type="submit">Close the incident</button>
    </form>
  );
};

export const IncidentPage = ({ incidentId }: { incidentId: string }) => {
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<string | undefined>();
  const now = useNow();
  const load = useCallback(
    () =>
      loadIncident(incidentId)
        .then((l) => {
          setLoaded(l);
          setError(undefined);
          return l;
        })
        .catch((e: unknown) => {
          setError(messageOf(e, 'The incident could not be loaded.'));
          return undefined;
        }),
    [incidentId],
  );
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Follow the workflow while it scopes (DETECTED): the triage needs the scope.
    const follow = async () => {
      const l = await load();
      if (live && l?.incident.status === 'DETECTED') timer = setTimeout(() => void follow(), 1500);
    };
    void follow();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [load]);

  if (!loaded)
    return (
      <section>
        <h1>Incident {incidentId}</h1>
        <Failure error={error} />
        {!error && <p aria-busy="true">Loading…</p>}
      </section>
    );
  const { incident, notices, at } = loaded;
  const { signals, scope } = incident;
  const triage = incident.triage as { decision?: string; at?: string; by?: string } | undefined;
  const actors = [
    ...new Set(incident.actorSubs.concat(signals.flatMap((s) => (s.actor?.sub ? [s.actor.sub] : [])))),
  ];
  const confirmed = ['CONFIRMED', 'NOTIFIED', 'ACKNOWLEDGED'].includes(incident.status);
  return (
    <section aria-labelledby="incident-title">
      <h1 id="incident-title">
        Incident {incident.incidentId} <StatusBadge status={incident.status} />
      </h1>
      <Failure error={error} />
      <dl class="facts">
        <dt>Discovered</dt>
        <dd>{when(incident.discoveredAt)}</dd>
        <dt>Kinds</dt>
        <dd>{incident.kinds.join(', ')}</dd>
        <dt>Signals</dt>
        <dd>{incident.signalCount}</dd>
        <dt>Officers paged</dt>
        <dd>{when(incident.pagedAt)}</dd>
        {triage && (
          <>
            <dt>Triage</dt>
            <dd>
              {triage.decision} by {triage.by} at {when(triage.at)}
            </dd>
          </>
        )}
      </dl>
      <Section title="Notices and deadlines">
        {incident.status === 'DETECTED' && <p aria-busy="true">Scoping from the audit trail…</p>}
        {notices.length === 0 && incident.status !== 'DETECTED' && <p>No account is affected.</p>}
        {notices.map((n) => (
          <NoticeEditor
            key={n.accountId}
            incidentId={incident.incidentId}
            notice={n}
            canSend={confirmed}
            loadedAt={at}
            now={now}
            onDone={() => void load()}
          />
        ))}
      </Section>
      {incident.status === 'SCOPED' && (
        <Section title="Triage">
          <Triage incidentId={incident.incidentId} onDone={() => void load()} />
        </Section>
      )}
      <Section title="Scope">
        {!scope && <p>Not scoped yet.</p>}
        {scope && (
          <>
            <p>
              {scope.orderCount ?? 0} order(s), {scope.fileCount ?? 0} file(s)
              {scope.truncated ? ': more events than the scope reads, widen it by hand' : ''}.
            </p>
            <table>
              <caption class="sr-only">Affected accounts</caption>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Orders</th>
                  <th scope="col">Files</th>
                  <th scope="col">Categories</th>
                </tr>
              </thead>
              <tbody>
                {(scope.accounts ?? []).map((a) => (
                  <tr key={a.accountId}>
                    <td>{a.accountId}</td>
                    <td>{a.orderIds.join(', ')}</td>
                    <td>{a.fileCount}</td>
                    <td>{a.categories.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Section>
      <Section title="Signals">
        <ul class="bare" data-testid="signals">
          {signals.map((s) => (
            <li key={s.signalId}>
              {when(s.at)}: {s.kind}
              {s.actor ? ` by ${s.actor.role} ${s.actor.sub} (${s.actor.accountId})` : ''}
              {s.orderIds?.length ? `, orders ${s.orderIds.join(', ')}` : ''}
            </li>
          ))}
        </ul>
      </Section>
      <Section title="Timeline">
        <ol class="timeline" data-testid="timeline">
          {incident.timeline.map((t) => (
            <li key={`${t.at}-${t.type}`}>
              {when(t.at)}: {t.type} ({t.by})
            </li>
          ))}
        </ol>
      </Section>
      {OPEN(incident.status) && (
        <Section title="Containment">
          <Containment incidentId={incident.incidentId} actors={actors} onDone={() => void load()} />
        </Section>
      )}
      {['DISMISSED', 'NOTIFIED', 'ACKNOWLEDGED'].includes(incident.status) && (
        <Section title="Close">
          <Close incidentId={incident.incidentId} onDone={() => void load()} />
        </Section>
      )}
    </section>
  );
};
