/**
 * The CLI's audit export while the job is not done: it says why it waits and that stopping is safe,
 * gives up at its deadline with what to do, and never downloads another range's export as if it
 * were the one asked for.
 */
import { describe, expect, it } from 'vitest';
import { type AuditExportView, fetchAuditExport } from '../../cli/audit-export';

const FROM = '2026-12-01T00:00:00.000Z';
const TO = '2026-12-02T00:00:00.000Z';

/** An API that answers the request with `asked` and every status read with a running export. */
const apiAnswering = (asked: AuditExportView) => {
  const calls: string[] = [];
  const call = async <T>(method: string, path: string): Promise<T> => {
    calls.push(`${method} ${path}`);
    return (method === 'POST' ? asked : { ...asked, duplicate: undefined }) as T;
  };
  return { call, calls };
};

describe('fetchAuditExport', () => {
  it('reports a long wait, then stops at its deadline telling how to pick the export up', async () => {
    // Prepare
    const { call, calls } = apiAnswering({
      exportId: 'aex_1',
      accountId: 'lab-acme',
      from: FROM,
      to: TO,
      status: 'RUNNING',
      duplicate: false,
    });
    const told: string[] = [];
    // Act
    const fetched = fetchAuditExport(call, {
      accountId: 'lab-acme',
      from: FROM,
      to: TO,
      out: '/nonexistent',
      timeoutMs: -10_001,
      pollMs: 1,
      onWait: (m) => told.push(m),
    });
    // Assess
    await expect(fetched).rejects.toThrow(/aex_1 is still being written; run the same command again later/);
    expect(calls).toEqual(['POST /accounts/lab-acme/audit-exports']);
    expect(told).toEqual([]);
  });

  it('tells the waiting caller why, at most once a minute', async () => {
    // Prepare
    const { call, calls } = apiAnswering({
      exportId: 'aex_2',
      accountId: 'lab-acme',
      from: FROM,
      to: TO,
      status: 'RUNNING',
      duplicate: false,
    });
    const told: string[] = [];
    let reads = 0;
    const counting = async <T>(method: string, path: string): Promise<T> => {
      if (method === 'GET' && ++reads === 3) throw new Error('stop here');
      // 11 s pass before the first status read answers.
      if (method === 'GET' && reads === 1) offset = 11_000;
      return call<T>(method, path);
    };
    // Act: a deadline far away; Date.now moved past the report threshold (10 s) by the first read.
    const realNow = Date.now;
    const start = realNow();
    let offset = 0;
    Date.now = () => start + offset;
    try {
      const fetched = fetchAuditExport(counting, {
        accountId: 'lab-acme',
        from: FROM,
        to: TO,
        out: '/nonexistent',
        pollMs: 1,
        onWait: (m) => told.push(m),
      });
      await expect(fetched).rejects.toThrow('stop here');
    } finally {
      Date.now = realNow;
    }
    // Assess: one report for three polls within the same minute, saying why and that stopping is safe.
    expect(calls.filter((c) => c.startsWith('GET'))).toHaveLength(2);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatch(
      /^audit export aex_2: being written \(11 s so far\)\. A range that ends less than an hour ago waits for its hourly seal/,
    );
    expect(told[0]).toContain('Stopping is safe');
  });

  it('refuses the running export of another range instead of downloading it as the one asked for', async () => {
    // Prepare: another range's export is open on the account.
    const { call, calls } = apiAnswering({
      exportId: 'aex_3',
      accountId: 'lab-acme',
      from: '2026-11-01T00:00:00.000Z',
      to: TO,
      status: 'RUNNING',
      duplicate: true,
    });
    // Act
    const fetched = fetchAuditExport(call, {
      accountId: 'lab-acme',
      from: FROM,
      to: TO,
      out: '/nonexistent',
      pollMs: 1,
    });
    // Assess
    await expect(fetched).rejects.toThrow(
      /another audit export, aex_3 \(2026-11-01T00:00:00\.000Z to 2026-12-02T00:00:00\.000Z\), is being written/,
    );
    expect(calls).toEqual(['POST /accounts/lab-acme/audit-exports']);
  });
});
