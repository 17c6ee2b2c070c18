import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { formatTooth } from '../../../lambdas/domain/teeth';
import { ApiError, del, get, post, publicGet, type Schemas } from '../api';
import { type SignedDocument, verifySignedDocument } from '../certificate';
import { navigate } from '../router';
import { type Progress, UploadFailedError, uploadScan } from '../upload';
import { ViewerPanel } from '../viewer/viewer-panel';
import { Failure, ProgressBar, Section, StatusBadge, size, when } from './common';

type Order = Schemas['Order'];

const REVISION_REASONS: Readonly<Record<Schemas['RevisionRequest']['reason'], string>> = {
  'fit-margins': 'Fit or margins',
  contacts: 'Contacts',
  occlusion: 'Occlusion',
  anatomy: 'Anatomy',
  'shade-material': 'Shade or material',
  'wrong-tooth': 'Wrong tooth',
  other: 'Other',
};
/** Statuses the workflow is still moving: the page polls until it leaves them. */
const MOVING = new Set(['SUBMITTED', 'QA', 'ACCEPTED', 'PURGING']);
/** Where the API takes a deletion request (a delivered design must be accepted or revised first). */
const DELETABLE = new Set(['DRAFT', 'ACCEPTED', 'ARCHIVED', 'REJECTED', 'CANCELLED', 'STUCK']);
const messageOf = (e: unknown, fallback: string) => (e instanceof Error ? e.message : fallback);
/** Deletions asked for in this tab: the order is hidden from then on, but can still be withdrawn here. */
const requestedDeletions = new Map<string, Schemas['DeletionRequest']>();

/** The delivered design's links are reused on this page for this long after their (audited) read. */
const DESIGN_LINKS_REUSE_MS = 10 * 60_000;
type DesignLinks = () => Promise<Schemas['Deliverables']>;

export const OrderPage = ({ orderId }: { orderId: string }) => {
  const [order, setOrder] = useState<Order | undefined>();
  // One audited read of the delivered design's links serves the Design section and the scan overlay
  // while the links (15 minutes) have plenty of time left; it goes with the page.
  const designRead = useRef<
    { key: string; at: number; listing: Promise<Schemas['Deliverables']> } | undefined
  >(undefined);
  const designLinks: DesignLinks = useCallback(() => {
    const key = `${orderId}#${order?.deliveredVersion ?? ''}`;
    const last = designRead.current;
    if (last?.key === key && Date.now() - last.at < DESIGN_LINKS_REUSE_MS) return last.listing;
    const listing = get<Schemas['Deliverables']>(`/orders/${encodeURIComponent(orderId)}/deliverables`);
    designRead.current = { key, at: Date.now(), listing };
    // A failed read is not kept: the next caller asks again.
    listing.catch(() => {
      if (designRead.current?.listing === listing) designRead.current = undefined;
    });
    return listing;
  }, [orderId, order?.deliveredVersion]);
  const [missing, setMissing] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [deletion, setDeletion] = useState(requestedDeletions.get(orderId));

  const load = useCallback(async () => {
    try {
      setOrder(await get<Order>(`/orders/${encodeURIComponent(orderId)}`));
      setMissing(undefined);
    } catch (e) {
      // The API's own words: another account's order and a missing one read the same.
      if (e instanceof ApiError && e.status === 404) setMissing(e.message);
      else setError(messageOf(e, 'The order could not be loaded.'));
    }
  }, [orderId]);

  useEffect(() => {
    void load();
  }, [load]);

  // While the workflow moves the order (ingest, QA, archive), poll once a second, for a minute at most.
  useEffect(() => {
    if (!order || !MOVING.has(order.status)) return;
    let polls = 0;
    const timer = setInterval(() => {
      if (++polls > 60) clearInterval(timer);
      void load();
    }, 1000);
    return () => clearInterval(timer);
  }, [order?.status, load]);

  if (missing)
    return (
      <section>
        <h1>Order not available</h1>
        <p data-testid="not-found">
          {missing} <a href="#/orders">Back to the orders</a>
        </p>
        {deletion && (
          <DeletionNotice
            deletion={deletion}
            onWithdrawn={() => {
              requestedDeletions.delete(orderId);
              setDeletion(undefined);
              void load();
            }}
          />
        )}
        {/* A purged order keeps only its certificate. */}
        <Certificate orderId={orderId} optional />
      </section>
    );
  if (!order)
    return (
      <section aria-busy="true">
        <h1>Order</h1>
        <Failure error={error} />
        {!error && <p>Loading…</p>}
      </section>
    );

  return (
    <article aria-labelledby="order-title">
      <h1 id="order-title">
        Case {order.caseRef} <StatusBadge status={order.status} />
      </h1>
      <Failure error={error} />
      <dl class="facts">
        <dt>Order</dt>
        <dd>{order.orderId}</dd>
        <dt>Patient</dt>
        <dd>{order.patientRef}</dd>
        <dt>Turnaround</dt>
        <dd>{order.turnaround}</dd>
        <dt>Due</dt>
        <dd>{when(order.dueAt)}</dd>
        {order.closedReason && (
          <>
            <dt>Closed</dt>
            <dd>{order.closedReason}</dd>
          </>
        )}
      </dl>
      <Section title="Items">
        <ul>
          {order.items.map((item, i) => (
            <li key={i}>
              {item.type} · {item.material}
              {item.teeth.length
                ? ` · teeth ${item.teeth.map((t) => `${t} (#${formatTooth(t, 'Universal')})`).join(', ')}`
                : ''}
              {item.arch ? ` · ${item.arch} arch` : ''}
              {item.shade ? ` · shade ${item.shade}` : ''}
            </li>
          ))}
        </ul>
        {order.notes && <p class="notes">{order.notes}</p>}
      </Section>
      <Files order={order} designLinks={designLinks} onChange={() => void load()} />
      {order.status === 'DRAFT' && <Submit order={order} onSubmitted={() => void load()} />}
      {order.deliveredVersion !== undefined && (
        <Deliverables order={order} designLinks={designLinks} onDecided={() => void load()} />
      )}
      <Timeline order={order} />
      {DELETABLE.has(order.status) && (
        <Deletion
          order={order}
          onRequested={(d) => {
            requestedDeletions.set(orderId, d);
            setDeletion(d);
            void load();
          }}
          onCancelled={() => navigate('/orders')}
          onWithdrawn={() => void load()}
        />
      )}
    </article>
  );
};

/** Statuses in which GET /orders/{orderId}/deliverables hands out the delivered design. */
const DESIGN_SHOWN = new Set(['DELIVERED', 'ACCEPTED', 'ARCHIVED']);
const MESH_FORMATS = new Set(['stl', 'ply', 'obj']);

/**
 * One of the lab's scans in the 3D viewer, with the delivered design drawn over it when there is
 * one (toggle scan, design, or both). The links are asked for on the click, not with the page:
 * each is an audited read of a patient's scan, valid 15 minutes.
 */
const ScanViewer = ({
  order,
  fileId,
  name,
  designLinks,
  onClose,
}: {
  order: Order;
  fileId: string;
  name: string;
  designLinks: DesignLinks;
  onClose: () => void;
}) => {
  const [links, setLinks] = useState<Schemas['FileLink'][] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const withDesign = order.deliveredVersion !== undefined && DESIGN_SHOWN.has(order.status);
  const base = `/orders/${encodeURIComponent(order.orderId)}`;
  useEffect(() => {
    let cancelled = false;
    setLinks(undefined);
    setError(undefined);
    (async () => {
      const inputs = await get<Schemas['InputLinks']>(`${base}/inputs`);
      const scan = inputs.files.filter((f) => f.fileId === fileId);
      if (scan.length === 0) throw new Error(`${name} cannot be shown: it has not passed its check.`);
      const design = withDesign ? (await designLinks()).files.filter((f) => MESH_FORMATS.has(f.format)) : [];
      if (!cancelled) setLinks([...scan, ...design]);
    })().catch((e: unknown) => {
      if (!cancelled) setError(messageOf(e, 'The scan could not be loaded.'));
    });
    return () => {
      cancelled = true;
    };
  }, [base, fileId, name, withDesign, designLinks]);
  const title = `Scan ${name}${withDesign ? ` and design v${order.deliveredVersion}` : ''}`;
  return (
    <div data-testid="scan-viewer">
      <Failure error={error} />
      {links && <ViewerPanel files={links} title={title} startOpen />}
      <button type="button" onClick={onClose}>
        Close the 3D view
      </button>
    </div>
  );
};

const Files = ({
  order,
  designLinks,
  onChange,
}: {
  order: Order;
  designLinks: DesignLinks;
  onChange: () => void;
}) => {
  const [viewing, setViewing] = useState<{ fileId: string; name: string } | undefined>();
  const [progress, setProgress] = useState<Progress | undefined>();
  const [current, setCurrent] = useState<string>('');
  const [error, setError] = useState<string | undefined>();
  const [resume, setResume] = useState<{ file: File; fileId: string } | undefined>();
  const [dragging, setDragging] = useState(false);

  const upload = async (files: readonly File[], resumeFileId?: string) => {
    setError(undefined);
    for (const file of files) {
      setCurrent(file.name);
      try {
        await uploadScan(order.orderId, file, setProgress, resumeFileId ? { resumeFileId } : {});
        setResume(undefined);
      } catch (e) {
        if (e instanceof UploadFailedError && e.fileId) setResume({ file, fileId: e.fileId });
        setError(messageOf(e, 'The upload failed.'));
        break;
      }
    }
    onChange();
  };

  return (
    <Section title="Scans">
      {order.files.length === 0 && <p>No scans yet.</p>}
      {order.files.length > 0 && (
        <table data-testid="files">
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">Uploaded</th>
              <th scope="col">Check</th>
            </tr>
          </thead>
          <tbody>
            {order.files.map((f) => (
              <tr key={f.fileId}>
                <td>
                  {f.name}
                  {f.uploaded &&
                    f.check?.ok !== false &&
                    MESH_FORMATS.has(f.format) &&
                    order.status !== 'CANCELLED' && (
                      <>
                        {' '}
                        <button
                          type="button"
                          aria-label={`3D view of ${f.name}`}
                          aria-pressed={viewing?.fileId === f.fileId}
                          onClick={() => setViewing({ fileId: f.fileId, name: f.name })}
                        >
                          3D view
                        </button>
                      </>
                    )}
                </td>
                <td>{size(f.sizeBytes)}</td>
                <td>{f.uploaded ? 'yes' : 'no'}</td>
                <td>
                  {!f.check
                    ? '–'
                    : f.check.ok
                      ? `ok${f.check.mesh ? `, ${f.check.mesh.triangles} triangles` : ''}`
                      : `refused: ${f.check.problem ?? ''}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {viewing && (
        <ScanViewer
          key={viewing.fileId}
          order={order}
          fileId={viewing.fileId}
          name={viewing.name}
          designLinks={designLinks}
          onClose={() => setViewing(undefined)}
        />
      )}
      {order.status === 'DRAFT' && (
        <section
          aria-label="Drop scans here"
          class={`drop${dragging ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => {
            e.preventDefault();
            setDragging(false);
            void upload([...(e.dataTransfer?.files ?? [])]);
          }}
        >
          <label>
            Drop STL, PLY or OBJ scans here, or choose them{' '}
            <input
              type="file"
              multiple
              accept=".stl,.ply,.obj"
              data-testid="scan-input"
              onChange={(e) => {
                const input = e.target as HTMLInputElement;
                void upload([...(input.files ?? [])]);
                input.value = '';
              }}
            />
          </label>
        </section>
      )}
      {progress && <ProgressBar label={`Uploading ${current}`} progress={progress} />}
      <Failure error={error} />
      {resume && (
        <button type="button" onClick={() => void upload([resume.file], resume.fileId)}>
          Resume the upload of {resume.file.name}
        </button>
      )}
    </Section>
  );
};

const Submit = ({ order, onSubmitted }: { order: Order; onSubmitted: () => void }) => {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const ready = order.files.some((f) => f.uploaded);
  return (
    <Section title="Submit">
      <p>Submitting starts the checks; the order then joins the design queue.</p>
      <Failure error={error} />
      <button
        type="button"
        disabled={!ready || busy}
        onClick={async () => {
          setBusy(true);
          try {
            await post(`/orders/${order.orderId}/submit`);
            onSubmitted();
          } catch (e) {
            setError(messageOf(e, 'The order could not be submitted.'));
          } finally {
            setBusy(false);
          }
        }}
      >
        Submit order
      </button>
    </Section>
  );
};

const Timeline = ({ order }: { order: Order }) => (
  <Section title="Timeline">
    <ol class="timeline" data-testid="timeline">
      {order.timeline.map((e, i) => (
        <li key={i}>
          <time dateTime={e.at}>{when(e.at)}</time> <strong>{e.type}</strong> by {e.by}
          {e.detail
            ? ` (${Object.entries(e.detail)
                .map(([k, v]) => `${k}: ${v}`)
                .join(', ')})`
            : ''}
        </li>
      ))}
    </ol>
  </Section>
);

const Deliverables = ({
  order,
  designLinks,
  onDecided,
}: {
  order: Order;
  designLinks: DesignLinks;
  onDecided: () => void;
}) => {
  const [listing, setListing] = useState<Schemas['Deliverables'] | undefined>();
  const [version, setVersion] = useState<number | undefined>();
  const [reason, setReason] = useState<Schemas['RevisionRequest']['reason']>('fit-margins');
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    designLinks()
      .then((l) => {
        setListing(l);
        setVersion(l.version);
      })
      .catch((e: unknown) => setError(messageOf(e, 'The design could not be loaded.')));
  }, [designLinks]);

  const act = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      onDecided();
    } catch (e) {
      setError(messageOf(e, 'That did not work.'));
    } finally {
      setBusy(false);
    }
  };
  const files = listing && version === listing.version ? listing.files : [];
  const meshes = files.filter((f) => f.format !== 'pdf');

  return (
    <Section title="Design">
      <Failure error={error} />
      {listing && (
        <>
          <label>
            Version{' '}
            <select
              value={String(version)}
              data-testid="version-picker"
              onChange={(e) => setVersion(Number((e.target as HTMLSelectElement).value))}
            >
              {listing.versions.map((v) => (
                <option key={v} value={v}>
                  v{v}
                  {v === listing.version ? ' (delivered)' : ' (superseded)'}
                </option>
              ))}
            </select>
          </label>
          {version !== listing.version && (
            <p>Version {version} was superseded; only the delivered version can be downloaded.</p>
          )}
          <ul data-testid="design-files">
            {files.map((f) => (
              <li key={f.fileId}>
                <a href={f.url} rel="noreferrer" download>
                  {f.fileId}.{f.format}
                </a>{' '}
                ({size(f.sizeBytes)})
              </li>
            ))}
          </ul>
          {meshes.length > 0 && <ViewerPanel files={meshes} title={`Design v${listing.version}`} />}
        </>
      )}
      {order.status === 'DELIVERED' && (
        <div class="decide">
          <button
            type="button"
            disabled={busy}
            onClick={() => void act(() => post(`/orders/${order.orderId}/accept`))}
          >
            Accept design
          </button>
          <fieldset>
            <legend>Ask for a revision</legend>
            <label>
              Reason{' '}
              <select
                value={reason}
                onChange={(e) => setReason((e.target as HTMLSelectElement).value as typeof reason)}
              >
                {Object.entries(REVISION_REASONS).map(([k, label]) => (
                  <option key={k} value={k}>
                    {label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Comment{' '}
              <input
                value={comment}
                maxLength={1000}
                onInput={(e) => setComment((e.target as HTMLInputElement).value)}
              />
            </label>
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                void act(() =>
                  post(`/orders/${order.orderId}/revisions`, {
                    reason,
                    ...(comment.trim() ? { comment: comment.trim() } : {}),
                  }),
                )
              }
            >
              Request revision
            </button>
          </fieldset>
        </div>
      )}
    </Section>
  );
};

const DeletionNotice = ({
  deletion,
  onWithdrawn,
}: {
  deletion: Schemas['DeletionRequest'];
  onWithdrawn: () => void;
}) => {
  const [error, setError] = useState<string | undefined>();
  return (
    <div role="status" data-testid="deletion-requested">
      <p>
        Deletion of the {deletion.scope === 'files' ? 'files of this order' : 'order'} requested: hidden now,
        purged on {when(deletion.purgeAt)} with a signed certificate. You can withdraw the request until then.
      </p>
      <Failure error={error} />
      <button
        type="button"
        onClick={() =>
          void del(`/orders/${deletion.orderId}/deletion-request`)
            .then(onWithdrawn)
            .catch((e: unknown) => setError(messageOf(e, 'The request could not be withdrawn.')))
        }
      >
        Withdraw the deletion request
      </button>
    </div>
  );
};

const Deletion = ({
  order,
  onRequested,
  onCancelled,
  onWithdrawn,
}: {
  order: Order;
  onRequested: (d: Schemas['DeletionRequest']) => void;
  onCancelled: () => void;
  onWithdrawn: () => void;
}) => {
  const [error, setError] = useState<string | undefined>();
  const [confirming, setConfirming] = useState<'order' | 'files' | undefined>();
  const run = async (scope: 'order' | 'files') => {
    setError(undefined);
    try {
      const res = await del<Schemas['DeletionRequest'] | Schemas['CancelledDraft']>(
        scope === 'order' ? `/orders/${order.orderId}` : `/orders/${order.orderId}/files`,
      );
      if ('status' in res && res.status === 'CANCELLED') onCancelled();
      else onRequested(res as Schemas['DeletionRequest']);
    } catch (e) {
      setError(messageOf(e, 'The deletion could not be requested.'));
    } finally {
      setConfirming(undefined);
    }
  };
  if (order.filesDeletion)
    return (
      <Section title="Deletion">
        <DeletionNotice
          deletion={{
            orderId: order.orderId,
            scope: 'files',
            requestedAt: order.filesDeletion.requestedAt,
            requestedBy: '',
            purgeAt: order.filesDeletion.purgeAt,
          }}
          onWithdrawn={onWithdrawn}
        />
      </Section>
    );
  return (
    <Section title="Deletion">
      <Failure error={error} />
      {confirming ? (
        <div role="alertdialog" aria-labelledby="confirm-delete">
          <p id="confirm-delete">
            {order.status === 'DRAFT'
              ? 'Cancel this draft and remove its uploads?'
              : `Delete ${confirming === 'files' ? 'the files of this order' : 'this order'}? It is hidden at once and purged after the grace period.`}
          </p>
          <button type="button" onClick={() => void run(confirming)}>
            Yes, delete
          </button>{' '}
          <button type="button" onClick={() => setConfirming(undefined)}>
            Keep it
          </button>
        </div>
      ) : (
        <>
          <button type="button" onClick={() => setConfirming('order')}>
            {order.status === 'DRAFT' ? 'Cancel draft' : 'Delete order'}
          </button>{' '}
          {order.status !== 'DRAFT' && (
            <button type="button" onClick={() => setConfirming('files')}>
              Delete files only
            </button>
          )}
        </>
      )}
    </Section>
  );
};

const Certificate = ({ orderId, optional }: { orderId: string; optional?: boolean }) => {
  const [cert, setCert] = useState<Schemas['SignedCertificate'] | undefined>();
  const [verdict, setVerdict] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [absent, setAbsent] = useState(false);
  useEffect(() => {
    get<Schemas['SignedCertificate']>(`/orders/${encodeURIComponent(orderId)}/certificate`)
      .then(setCert)
      .catch((e: unknown) => {
        if (optional && e instanceof ApiError && (e.status === 404 || e.status === 409)) setAbsent(true);
        else setError(messageOf(e, 'The certificate could not be loaded.'));
      });
  }, [orderId, optional]);
  if (absent) return null;
  const verify = async (doc: SignedDocument) => {
    setVerdict(undefined);
    try {
      const key = await publicGet<Schemas['PublicKey']>('/certificates/public-key');
      const result = await verifySignedDocument(doc, key.publicKeyPem);
      setVerdict(result.valid ? 'Valid: signed by Caseline, unchanged.' : `Not valid: ${result.reason}.`);
    } catch (e) {
      setVerdict(`Not valid: ${messageOf(e, 'the document could not be read')}.`);
    }
  };
  return (
    <Section title="Deletion certificate">
      <Failure error={error} />
      {cert && (
        <>
          <p>
            Certificate {cert.certificate.certificateId}: {cert.certificate.objects?.length ?? 0} objects
            deleted on {when(cert.certificate.deletedAt)}; backups clear by{' '}
            {when(cert.certificate.backupsClearBy)}.
          </p>
          <button type="button" onClick={() => void verify(cert)}>
            Verify signature
          </button>
        </>
      )}
      <label>
        Or verify a saved certificate file{' '}
        <input
          type="file"
          accept=".json,application/json"
          onChange={async (e) => {
            const file = (e.target as HTMLInputElement).files?.[0];
            if (!file || file.size > 4 * 1048576)
              return setVerdict('Not valid: choose a certificate file under 4 MB.');
            try {
              await verify(JSON.parse(await file.text()) as SignedDocument);
            } catch {
              setVerdict('Not valid: the file is not JSON.');
            }
          }}
        />
      </label>
      {verdict && (
        <p role="status" data-testid="certificate-verdict">
          {verdict}
        </p>
      )}
    </Section>
  );
};
