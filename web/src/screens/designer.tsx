import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError, get, post, request, type Schemas } from '../api';
import { navigate } from '../router';
import { type Progress, uploadDesignFile } from '../upload';
import { ViewerPanel } from '../viewer/viewer-panel';
import { Failure, ProgressBar, Section, StatusBadge, size, when } from './common';

type Assignment = Schemas['Assignment'];
const messageOf = (e: unknown, fallback: string) => (e instanceof Error ? e.message : fallback);

/** Time left on a lease, m:ss or h:mm:ss; 'expired' at zero. */
export const leaseLeft = (leaseExpiresAt: string | undefined, now: number): string => {
  if (!leaseExpiresAt) return '–';
  const s = Math.floor((Date.parse(leaseExpiresAt) - now) / 1000);
  if (s <= 0) return 'expired';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
};

const useNow = () => {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
};

export const DesignerHome = () => {
  const [list, setList] = useState<Assignment[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const now = useNow();
  const load = useCallback(
    () =>
      get<Schemas['AssignmentList']>('/assignments')
        .then((l) => setList(l.assignments))
        .catch((e: unknown) => setError(messageOf(e, 'Your assignments could not be loaded.'))),
    [],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const claim = async () => {
    setError(undefined);
    setNotice(undefined);
    try {
      const res = await request<Assignment>('POST', '/queue/claim');
      if (res.status === 204)
        setNotice('Nothing in the queue fits your skills right now, or you are at capacity.');
      else navigate(`/designer/${encodeURIComponent(res.body.orderId)}`);
    } catch (e) {
      setError(messageOf(e, 'The claim failed.'));
    }
  };
  const heartbeat = async (orderId: string) => {
    try {
      await post<Schemas['HeartbeatResult']>(`/assignments/${orderId}/heartbeat`);
      await load();
    } catch (e) {
      setError(messageOf(e, 'The lease could not be extended.'));
    }
  };

  return (
    <section aria-labelledby="work-title">
      <h1 id="work-title">My work</h1>
      <button type="button" onClick={() => void claim()} data-testid="claim-next">
        Claim the next order
      </button>
      {notice && <p role="status">{notice}</p>}
      <Failure error={error} />
      <h2>Assignments</h2>
      {!list && !error && <p aria-busy="true">Loading…</p>}
      {list && list.length === 0 && <p>You hold no orders.</p>}
      {list && list.length > 0 && (
        <table data-testid="assignments">
          <thead>
            <tr>
              <th scope="col">Order</th>
              <th scope="col">Status</th>
              <th scope="col">Patient</th>
              <th scope="col">Due</th>
              <th scope="col">Lease left</th>
              <th scope="col">Lease</th>
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr key={a.orderId}>
                <td>
                  <a href={`#/designer/${encodeURIComponent(a.orderId)}`}>{a.orderId}</a>
                </td>
                <td>
                  <StatusBadge status={a.status} />
                </td>
                <td>{a.patientRef}</td>
                <td>{when(a.dueAt)}</td>
                <td data-testid="lease-left">{leaseLeft(a.leaseExpiresAt, now)}</td>
                <td>
                  <button type="button" onClick={() => void heartbeat(a.orderId)}>
                    Extend lease
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};

export const AssignmentPage = ({ orderId }: { orderId: string }) => {
  const [a, setA] = useState<Assignment | undefined>();
  const [inputs, setInputs] = useState<Schemas['InputLinks'] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [missing, setMissing] = useState(false);
  const [progress, setProgress] = useState<Progress | undefined>();
  const [handedIn, setHandedIn] = useState<string[]>([]);
  /** The design files uploaded from this page, drawn over the scans in the viewer. */
  const [designs, setDesigns] = useState<File[]>([]);
  const [done, setDone] = useState<string | undefined>();
  const now = useNow();
  const id = encodeURIComponent(orderId);

  const load = useCallback(async () => {
    try {
      setA(await get<Assignment>(`/assignments/${id}`));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setMissing(true);
      else setError(messageOf(e, 'The assignment could not be loaded.'));
    }
  }, [id]);
  useEffect(() => {
    void load();
  }, [load]);

  if (missing)
    return (
      <section>
        <h1>Not one of your assignments</h1>
        <p>
          {done ?? `You do not hold order ${orderId}.`} <a href="#/designer">Back to my work</a>
        </p>
      </section>
    );
  if (!a)
    return (
      <section aria-busy="true">
        <h1>Assignment</h1>
        <Failure error={error} />
      </section>
    );

  const act = async (path: string, message: string) => {
    setError(undefined);
    try {
      await post(`/assignments/${id}/${path}`);
      setDone(message);
      if (path === 'release') setMissing(true);
      else await load();
    } catch (e) {
      setError(messageOf(e, 'That did not work.'));
    }
  };

  return (
    <article aria-labelledby="assignment-title">
      <h1 id="assignment-title">
        Order {a.orderId} <StatusBadge status={a.status} />
      </h1>
      <Failure error={error} />
      {done && <p role="status">{done}</p>}
      <dl class="facts">
        <dt>Patient</dt>
        <dd>{a.patientRef}</dd>
        <dt>Turnaround</dt>
        <dd>{a.turnaround}</dd>
        <dt>Due</dt>
        <dd>{when(a.dueAt)}</dd>
        <dt>Lease left</dt>
        <dd data-testid="lease-left">{leaseLeft(a.leaseExpiresAt, now)}</dd>
        <dt>Revision</dt>
        <dd>{a.revision}</dd>
      </dl>
      <button type="button" onClick={() => void act('heartbeat', 'Lease extended.')}>
        Extend lease
      </button>
      <Section title="Prescription">
        <ul>
          {a.items.map((item, i) => (
            <li key={i}>
              {item.type} · {item.material}
              {item.teeth?.length ? ` · teeth ${item.teeth.join(', ')}` : ''}
              {item.shade ? ` · shade ${item.shade}` : ''}
              {item.notes ? ` · ${item.notes}` : ''}
            </li>
          ))}
        </ul>
        {a.notes && <p class="notes">{a.notes}</p>}
        {a.qaProblems?.length ? (
          <div role="alert">
            <h3>QA sent it back</h3>
            <ul>
              {a.qaProblems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        ) : null}
      </Section>
      <Section title="Inputs">
        {!inputs ? (
          <button
            type="button"
            onClick={() =>
              void get<Schemas['InputLinks']>(`/assignments/${id}/inputs`)
                .then(setInputs)
                .catch((e: unknown) => setError(messageOf(e, 'The inputs could not be listed.')))
            }
          >
            Get the input links (audited, 15 minutes)
          </button>
        ) : (
          <>
            <ul data-testid="inputs">
              {inputs.files.map((f) => (
                <li key={f.fileId}>
                  <a href={f.url} rel="noreferrer" download>
                    {f.fileId}.{f.format}
                  </a>{' '}
                  ({size(f.sizeBytes)}) · links until {when(inputs.expiresAt)}
                </li>
              ))}
            </ul>
            <ViewerPanel
              files={inputs.files.filter((f) => f.format !== 'pdf')}
              title="Inputs"
              overlay={designs}
            />
          </>
        )}
      </Section>
      {a.status === 'ASSIGNED' && (
        <Section title="Hand in">
          <label>
            Design files (STL, PLY, OBJ) and an optional PDF report{' '}
            <input
              type="file"
              multiple
              accept=".stl,.ply,.obj,.pdf"
              data-testid="design-input"
              onChange={async (e) => {
                const input = e.target as HTMLInputElement;
                const files = [...(input.files ?? [])];
                input.value = '';
                for (const file of files) {
                  try {
                    await uploadDesignFile(a.orderId, file, setProgress);
                    setHandedIn((h) => [...h, file.name]);
                    setDesigns((d) => [...d, file]);
                  } catch (err) {
                    setError(messageOf(err, 'The upload failed.'));
                    return;
                  }
                }
              }}
            />
          </label>
          {progress && <ProgressBar label="Uploading" progress={progress} />}
          {handedIn.length > 0 && <p data-testid="handed-in">Uploaded: {handedIn.join(', ')}</p>}
          <button
            type="button"
            disabled={handedIn.length === 0}
            onClick={() => void act('submit', 'Handed in: QA checks it next.')}
          >
            Hand in the design
          </button>{' '}
          <button
            type="button"
            onClick={() =>
              void act(
                'release',
                'Released: the order is back in the queue for other designers (not offered to you again for 12 hours).',
              )
            }
          >
            Release the order
          </button>
        </Section>
      )}
    </article>
  );
};
