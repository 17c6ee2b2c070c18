/**
 * A lab's breach notices (labs and lab-admins): the list, one notice with the patient references
 * of the account's own orders involved (decrypted by the API for this lab only, after the read
 * was audited), and acknowledging receipt.
 */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { get, post, type Schemas } from '../api';
import { Failure, Section, StatusBadge, when } from '../screens/common';
import { messageOf } from './kit';

type Notice = Schemas['LabNotice'];
const enc = encodeURIComponent;

export const Notices = () => {
  const [list, setList] = useState<Notice[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    get<Schemas['LabNoticeList']>('/notices')
      .then((l) => setList(l.notices))
      .catch((e: unknown) => setError(messageOf(e, 'The notices could not be loaded.')));
  }, []);
  return (
    <section aria-labelledby="notices-title">
      <h1 id="notices-title">Breach notices</h1>
      <Failure error={error} />
      {!list && !error && <p aria-busy="true">Loading notices…</p>}
      {list && list.length === 0 && <p>No breach notice has been sent to your account.</p>}
      {list && list.length > 0 && (
        <table data-testid="notice-list">
          <caption class="sr-only">Breach notices to your account, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Notice</th>
              <th scope="col">Status</th>
              <th scope="col">Sent</th>
              <th scope="col">Orders</th>
              <th scope="col">Acknowledged</th>
            </tr>
          </thead>
          <tbody>
            {list.map((n) => (
              <tr key={n.noticeId}>
                <td>
                  <a href={`#/notices/${enc(n.noticeId)}`}>{n.noticeId}</a>
                  {n.preliminary ? ' (preliminary)' : ''}
                </td>
                <td>
                  <StatusBadge status={n.status} />
                </td>
                <td>{when(n.sentAt)}</td>
                <td>{n.orderIds.length}</td>
                <td>{when(n.acknowledgedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
};

export const NoticePage = ({ noticeId }: { noticeId: string }) => {
  const [notice, setNotice] = useState<Notice | undefined>();
  const [error, setError] = useState<string | undefined>();
  const load = useCallback(
    () =>
      get<Notice>(`/notices/${enc(noticeId)}`)
        .then(setNotice)
        .catch((e: unknown) => setError(messageOf(e, 'The notice could not be loaded.'))),
    [noticeId],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const acknowledge = async () => {
    setError(undefined);
    try {
      setNotice(await post<Notice>(`/notices/${enc(noticeId)}/acknowledge`));
    } catch (e) {
      setError(messageOf(e, 'The acknowledgement was not recorded.'));
    }
  };
  return (
    <section aria-labelledby="notice-title">
      <h1 id="notice-title">
        Breach notice {noticeId} {notice && <StatusBadge status={notice.status} />}
      </h1>
      <Failure error={error} />
      {!notice && !error && <p aria-busy="true">Loading…</p>}
      {notice && (
        <>
          {notice.preliminary && (
            <p class="notice">
              Preliminary: an incident under investigation touches your account; the full notice follows.
            </p>
          )}
          <p data-testid="notice-nature">{notice.nature}</p>
          <dl class="facts">
            <dt>Due</dt>
            <dd>{when(notice.dueAt)}</dd>
            <dt>Sent</dt>
            <dd>{when(notice.sentAt)}</dd>
            <dt>Acknowledged</dt>
            <dd data-testid="acknowledged-at">{when(notice.acknowledgedAt)}</dd>
          </dl>
          <Section title="Orders involved">
            <table>
              <caption class="sr-only">Orders involved and their patients</caption>
              <thead>
                <tr>
                  <th scope="col">Order</th>
                  <th scope="col">Patient reference</th>
                </tr>
              </thead>
              <tbody>
                {(notice.patients ?? notice.orderIds.map((orderId) => ({ orderId }))).map((p) => (
                  <tr key={p.orderId}>
                    <td>{p.orderId}</td>
                    <td>{'patientReference' in p && p.patientReference ? p.patientReference : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
          {notice.status === 'SENT' && (
            <button type="button" onClick={() => void acknowledge()}>
              Acknowledge receipt
            </button>
          )}
        </>
      )}
    </section>
  );
};
