import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, type Schemas } from '../api';
import { navigate } from '../router';
import { Failure, StatusBadge, when } from './common';

const STATUSES = [
  'DRAFT',
  'SUBMITTED',
  'QUEUED',
  'ASSIGNED',
  'QA',
  'DELIVERED',
  'ACCEPTED',
  'ARCHIVED',
  'REJECTED',
  'CANCELLED',
  'STUCK',
] as const;
const PAGE_SIZE = 10;

/** The account's orders, newest first, filtered by status and paged with the API's cursors. */
export const Orders = ({ query }: { query: URLSearchParams }) => {
  const status = query.get('status') ?? '';
  const cursor = query.get('cursor') ?? '';
  const back = query.getAll('back');
  const [page, setPage] = useState<Schemas['OrderList'] | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    setPage(undefined);
    setError(undefined);
    const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (status) q.set('status', status);
    if (cursor) q.set('cursor', cursor);
    get<Schemas['OrderList']>(`/orders?${q}`)
      .then(setPage)
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : 'The orders could not be loaded.'));
  }, [status, cursor]);

  const go = (next: { status?: string; cursor?: string; back?: string[] }) => {
    const q = new URLSearchParams();
    if (next.status) q.set('status', next.status);
    if (next.cursor) q.set('cursor', next.cursor);
    for (const b of next.back ?? []) q.append('back', b);
    navigate(`/orders${q.size ? `?${q}` : ''}`);
  };

  return (
    <section aria-labelledby="orders-title">
      <h1 id="orders-title">Orders</h1>
      <div class="toolbar">
        <label>
          Status{' '}
          <select
            value={status}
            data-testid="status-filter"
            onChange={(e) => go({ status: (e.target as HTMLSelectElement).value })}
          >
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <a class="button" href="#/orders/new">
          New order
        </a>
      </div>
      <Failure error={error} />
      {!page && !error && <p aria-busy="true">Loading orders…</p>}
      {page && page.orders.length === 0 && <p>No orders{status ? ` in ${status}` : ''}.</p>}
      {page && page.orders.length > 0 && (
        <table data-testid="order-list">
          <caption class="sr-only">Orders, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Case</th>
              <th scope="col">Status</th>
              <th scope="col">Turnaround</th>
              <th scope="col">Items</th>
              <th scope="col">Created</th>
              <th scope="col">Due</th>
            </tr>
          </thead>
          <tbody>
            {page.orders.map((o) => (
              <tr key={o.orderId}>
                <td>
                  <a href={`#/orders/${encodeURIComponent(o.orderId)}`}>{o.caseRef}</a>
                </td>
                <td>
                  <StatusBadge status={o.status} />
                </td>
                <td>{o.turnaround}</td>
                <td>{o.itemCount}</td>
                <td>{when(o.createdAt)}</td>
                <td>{when(o.dueAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={!cursor}
          onClick={() => go({ status, cursor: back.at(-1) ?? '', back: back.slice(0, -1) })}
        >
          Previous
        </button>
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => go({ status, cursor: page?.nextCursor ?? '', back: [...back, cursor] })}
        >
          Next
        </button>
      </nav>
    </section>
  );
};
