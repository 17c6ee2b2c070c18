/**
 * What every OrderRepository does, asserted the same way on the in-memory fake (unit project)
 * and on the DynamoDB adapter over the wire (integration project), so the fake the unit tests
 * trust cannot drift from the table the functions use. Each test gets a repository of its own
 * (a fresh table on DynamoDB), so the global timer and queue partitions hold only its orders.
 */
import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Order, OrderFile, TimelineEntry } from '../../lambdas/domain/order';
import type { OrderRepository } from '../../lambdas/domain/ports';
import { OrderExistsError, ValidationError } from '../../lambdas/kernel/errors';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
/** An ISO instant `minutes` after T0. */
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const id = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

export const makeOrder = (overrides: Partial<Order> = {}): Order => ({
  orderId: id('ord'),
  accountId: 'lab-contract',
  createdBy: 'u-lab',
  createdAt: at(0),
  updatedAt: at(0),
  status: 'DRAFT',
  items: [{ type: 'crown', teeth: [11], material: 'zirconia' }],
  turnaround: 'standard',
  remake: false,
  phi: 'ciphertext',
  ...overrides,
});

const makeFile = (order: Order, overrides: Partial<OrderFile> = {}): OrderFile => ({
  orderId: order.orderId,
  accountId: order.accountId,
  fileId: id('fil'),
  role: 'input',
  format: 'stl',
  nameCipher: 'ciphertext',
  sizeBytes: 684,
  sha256: randomBytes(32).toString('hex'),
  key: `orders/${order.orderId}/inputs/x.stl`,
  declaredAt: at(0),
  upload: { mode: 'single' },
  ...overrides,
});

/** Follows cursors to the end; fails rather than loops if a cursor never runs out. */
const allPages = async (
  page: (cursor?: string) => Promise<{ ids?: string[]; orders?: Order[]; cursor?: string }>,
): Promise<string[][]> => {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    pages.push(next.ids ?? (next.orders ?? []).map((o) => o.orderId));
    cursor = next.cursor;
  } while (cursor && pages.length < 20);
  expect(cursor).toBeUndefined();
  return pages;
};

export const orderRepositoryContract = (make: () => Promise<OrderRepository>) => {
  let repo: OrderRepository;
  beforeEach(async () => {
    repo = await make();
  });

  describe('create and get', () => {
    it('gets back what was created; an unknown id is undefined', async () => {
      const order = makeOrder({ caseRefMac: 'mac-1', dueAt: at(600) });
      await repo.create(order);
      expect(await repo.get(order.orderId)).toMatchObject(order);
      expect(await repo.get(id('ord'))).toBeUndefined();
    });

    it('refuses a second create of the same id with OrderExistsError, the first one kept', async () => {
      const order = makeOrder();
      await repo.create(order);
      const again = await repo.create({ ...order, status: 'SUBMITTED' }).catch((e: unknown) => e);
      expect(again).toBeInstanceOf(OrderExistsError);
      expect((await repo.get(order.orderId))?.status).toBe('DRAFT');
    });

    it('places a created order on its pending timer in the same write', async () => {
      const order = makeOrder();
      await repo.create(order, { pending: { name: 'PURGE', at: at(60) } });
      expect(await repo.pendingBefore('PURGE', at(61), 10)).toEqual([order.orderId]);
      expect(await repo.pendingBefore('PURGE', at(60), 10)).toEqual([]);
      expect(await repo.pendingBefore('INTAKE', at(61), 10)).toEqual([]);
    });
  });

  describe('transition', () => {
    it('applies the changes from an allowed status and returns the order as written', async () => {
      const order = makeOrder();
      await repo.create(order);
      const moved = await repo.transition(order.orderId, ['DRAFT', 'SUBMITTED'], {
        status: 'SUBMITTED',
        submittedAt: at(1),
        updatedAt: at(1),
      });
      expect(moved).toMatchObject({ ...order, status: 'SUBMITTED', submittedAt: at(1), updatedAt: at(1) });
      expect(await repo.get(order.orderId)).toEqual(moved);
    });

    it('changes nothing and returns undefined from another status, or for an unknown order', async () => {
      const order = makeOrder();
      await repo.create(order);
      expect(await repo.transition(order.orderId, ['QUEUED'], { status: 'ASSIGNED' })).toBeUndefined();
      expect(await repo.get(order.orderId)).toMatchObject(order);
      expect(await repo.transition(id('ord'), ['DRAFT'], { status: 'SUBMITTED' })).toBeUndefined();
      expect(await repo.get(order.orderId)).toMatchObject({ status: 'DRAFT' });
    });

    it('holds to `expect`: a stale updatedAt or another assignee is a failed condition', async () => {
      const order = makeOrder({ status: 'ASSIGNED', assignee: 'u-priya' });
      await repo.create(order);
      expect(
        await repo.transition(
          order.orderId,
          ['ASSIGNED'],
          { status: 'QA' },
          { expect: { assignee: 'u-marco' } },
        ),
      ).toBeUndefined();
      expect(
        await repo.transition(
          order.orderId,
          ['ASSIGNED'],
          { status: 'QA' },
          { expect: { updatedAt: at(5) } },
        ),
      ).toBeUndefined();
      const moved = await repo.transition(
        order.orderId,
        ['ASSIGNED'],
        { status: 'QA', updatedAt: at(2) },
        { expect: { assignee: 'u-priya', updatedAt: at(0) } },
      );
      expect(moved?.status).toBe('QA');
    });

    it('with nothing to change, still answers by its conditions', async () => {
      const order = makeOrder({ assignee: 'u-priya' });
      await repo.create(order);
      expect(await repo.transition(order.orderId, ['QUEUED'], {})).toBeUndefined();
      expect(
        await repo.transition(order.orderId, ['DRAFT'], {}, { expect: { assignee: 'u-marco' } }),
      ).toBeUndefined();
      expect(await repo.transition(id('ord'), ['DRAFT'], {})).toBeUndefined();
      expect(
        await repo.transition(order.orderId, ['DRAFT'], {}, { expect: { assignee: 'u-priya' } }),
      ).toMatchObject(order);
    });

    it('removes the attributes it is told to', async () => {
      const order = makeOrder({ status: 'ASSIGNED', assignee: 'u-priya', designTaskToken: 'tok-1' });
      await repo.create(order);
      const moved = await repo.transition(
        order.orderId,
        ['ASSIGNED'],
        { status: 'QUEUED' },
        { remove: ['assignee', 'designTaskToken'] },
      );
      expect(moved).not.toHaveProperty('assignee');
      expect(moved).not.toHaveProperty('designTaskToken');
      expect(await repo.get(order.orderId)).not.toHaveProperty('assignee');
    });
  });

  describe('indexes and timers', () => {
    it('the queue: a lane in sort-key order, pages by cursor, an order leaves it on null', async () => {
      const orders = [3, 1, 2, 0].map((n) => ({ n, order: makeOrder({ status: 'QUEUED' }) }));
      for (const { n, order } of orders) {
        await repo.create(order);
        await repo.transition(
          order.orderId,
          ['QUEUED'],
          { updatedAt: at(n) },
          { indexes: { queue: { lane: 'QUEUE', sortKey: `1#${at(n)}#${order.orderId}` } } },
        );
      }
      const offered = makeOrder({ status: 'QUEUED' });
      await repo.create(offered);
      await repo.transition(
        offered.orderId,
        ['QUEUED'],
        { updatedAt: at(9) },
        { indexes: { queue: { lane: 'OFFER#u-priya', sortKey: `0#${at(0)}#${offered.orderId}` } } },
      );
      const byUrgency = [...orders].sort((a, b) => a.n - b.n).map((o) => o.order.orderId);

      const queueIds = async (lane: string, limit: number, cursor?: string) => {
        const page = await repo.queuePage(lane, limit, cursor);
        return { ids: page.entries.map((e) => e.orderId), ...(page.cursor ? { cursor: page.cursor } : {}) };
      };
      const pages = await allPages((cursor) => queueIds('QUEUE', 3, cursor));
      expect(pages[0]).toEqual(byUrgency.slice(0, 3));
      expect(pages.flat()).toEqual(byUrgency);
      expect((await queueIds('OFFER#u-priya', 10)).ids).toEqual([offered.orderId]);

      const first = byUrgency[0] ?? '';
      await repo.transition(first, ['QUEUED'], { status: 'ASSIGNED' }, { indexes: { queue: null } });
      expect((await queueIds('QUEUE', 10)).ids).toEqual(byUrgency.slice(1));
    });

    it('`expect` on the queue lane (gsi3pk): a claim holds only while the order is in that lane', async () => {
      const order = makeOrder({ status: 'QUEUED' });
      await repo.create(order);
      await repo.transition(
        order.orderId,
        ['QUEUED'],
        {},
        { indexes: { queue: { lane: 'OFFER#u-priya', sortKey: `0#${order.orderId}` } } },
      );
      expect(
        await repo.transition(
          order.orderId,
          ['QUEUED'],
          { status: 'ASSIGNED' },
          { expect: { gsi3pk: 'QUEUE' } },
        ),
      ).toBeUndefined();
      expect(
        await repo.transition(
          order.orderId,
          ['QUEUED'],
          { status: 'ASSIGNED' },
          { expect: { gsi3pk: 'OFFER#u-priya' } },
        ),
      ).toMatchObject({ status: 'ASSIGNED' });
    });

    it('a designer holds what the assignee index says, until it is cleared', async () => {
      const held = makeOrder({ status: 'QUEUED' });
      const other = makeOrder({ status: 'QUEUED' });
      for (const [order, sub] of [
        [held, 'u-priya'],
        [other, 'u-marco'],
      ] as const) {
        await repo.create(order);
        await repo.transition(
          order.orderId,
          ['QUEUED'],
          { status: 'ASSIGNED', assignee: sub },
          { indexes: { assignee: { sub, since: at(1) } } },
        );
      }
      expect(await repo.assignedTo('u-priya')).toEqual([held.orderId]);
      await repo.transition(held.orderId, ['ASSIGNED'], { status: 'QA' }, { indexes: { assignee: null } });
      expect(await repo.assignedTo('u-priya')).toEqual([]);
      expect(await repo.assignedTo('u-marco')).toEqual([other.orderId]);
    });

    it('timers: strictly before the cutoff, oldest first, by name, up to the limit; one timer at a time', async () => {
      const orders = [30, 10, 20].map((minutes) => ({ minutes, order: makeOrder({ status: 'ASSIGNED' }) }));
      for (const { minutes, order } of orders) {
        await repo.create(order, { pending: { name: 'INTAKE', at: at(0) } });
        await repo.transition(
          order.orderId,
          ['ASSIGNED'],
          {},
          { indexes: { pending: { name: 'LEASE', at: at(minutes) } } },
        );
      }
      const [at30, at10, at20] = orders.map((o) => o.order.orderId);
      expect(await repo.pendingBefore('LEASE', at(30), 10)).toEqual([at10, at20]);
      expect(await repo.pendingBefore('LEASE', at(31), 2)).toEqual([at10, at20]);
      // The LEASE timer replaced INTAKE: an order has one pending timer.
      expect(await repo.pendingBefore('INTAKE', at(99), 10)).toEqual([]);
      await repo.transition(at10 ?? '', ['ASSIGNED'], {}, { indexes: { pending: null } });
      expect(await repo.pendingBefore('LEASE', at(99), 10)).toEqual([at20, at30]);
    });

    it('due and watch: strictly before the cutoff, oldest first, removed on null', async () => {
      const late = makeOrder({ status: 'QUEUED' });
      const early = makeOrder({ status: 'QUEUED' });
      for (const [order, minutes] of [
        [late, 50],
        [early, 5],
      ] as const) {
        await repo.create(order);
        await repo.transition(
          order.orderId,
          ['QUEUED'],
          {},
          { indexes: { due: { at: at(minutes) }, watch: { at: at(minutes) } } },
        );
      }
      expect(await repo.dueBefore(at(60), 10)).toEqual([early.orderId, late.orderId]);
      expect(await repo.watchedBefore(at(50), 10)).toEqual([early.orderId]);
      expect(await repo.dueBefore(at(60), 1)).toEqual([early.orderId]);
      await repo.transition(early.orderId, ['QUEUED'], {}, { indexes: { due: null, watch: null } });
      expect(await repo.dueBefore(at(60), 10)).toEqual([late.orderId]);
      expect(await repo.watchedBefore(at(60), 10)).toEqual([late.orderId]);
    });
  });

  describe('listByAccount', () => {
    const seed = async () => {
      const mine = [];
      for (let n = 0; n < 5; n++) {
        const order = makeOrder({ createdAt: at(n), status: n % 2 ? 'SUBMITTED' : 'DRAFT' });
        await repo.create(order);
        mine.push(order);
      }
      await repo.create(makeOrder({ accountId: 'lab-other', createdAt: at(9) }));
      return mine.reverse();
    };

    it("newest first, the account's own orders only, every one once across pages", async () => {
      const newestFirst = (await seed()).map((o) => o.orderId);
      const pages = await allPages((cursor) =>
        repo.listByAccount('lab-contract', { limit: 2, ...(cursor ? { cursor } : {}) }),
      );
      expect(pages[0]).toEqual(newestFirst.slice(0, 2));
      expect(pages.flat()).toEqual(newestFirst);
    });

    it('filters by status, pages included', async () => {
      const submitted = (await seed()).filter((o) => o.status === 'SUBMITTED').map((o) => o.orderId);
      const pages = await allPages((cursor) =>
        repo.listByAccount('lab-contract', { limit: 1, status: 'SUBMITTED', ...(cursor ? { cursor } : {}) }),
      );
      expect(pages.flat()).toEqual(submitted);
    });

    it("refuses a forged cursor, and another account's cursor, with a ValidationError", async () => {
      await seed();
      const first = await repo.listByAccount('lab-contract', { limit: 1 });
      expect(first.cursor).toEqual(expect.any(String));
      await expect(
        repo.listByAccount('lab-contract', { limit: 1, cursor: 'not-a-cursor' }),
      ).rejects.toBeInstanceOf(ValidationError);
      await expect(
        repo.listByAccount('lab-other', { limit: 1, cursor: first.cursor ?? '' }),
      ).rejects.toBeInstanceOf(ValidationError);
    });
  });

  describe('case reference guards', () => {
    it('one holder at a time; a stale holder is replaced only while it still holds; only the holder releases', async () => {
      expect(await repo.reserveCaseRef('lab-contract', 'mac-1', 'ord_a', at(0))).toEqual({ reserved: true });
      expect(await repo.reserveCaseRef('lab-contract', 'mac-1', 'ord_b', at(1))).toEqual({
        reserved: false,
        orderId: 'ord_a',
        reservedAt: at(0),
      });
      expect(await repo.reserveCaseRef('lab-contract', 'mac-1', 'ord_c', at(2), 'ord_x')).toMatchObject({
        reserved: false,
        orderId: 'ord_a',
      });
      expect(await repo.reserveCaseRef('lab-contract', 'mac-1', 'ord_c', at(2), 'ord_a')).toEqual({
        reserved: true,
      });
      await repo.releaseCaseRef('lab-contract', 'mac-1', 'ord_a');
      expect(await repo.reserveCaseRef('lab-contract', 'mac-1', 'ord_d', at(3))).toMatchObject({
        reserved: false,
        orderId: 'ord_c',
      });
      await repo.releaseCaseRef('lab-contract', 'mac-1', 'ord_c');
      expect(await repo.reserveCaseRef('lab-contract', 'mac-1', 'ord_d', at(3))).toEqual({ reserved: true });
      // Guards are per account.
      expect(await repo.reserveCaseRef('lab-other', 'mac-1', 'ord_e', at(3))).toEqual({ reserved: true });
    });
  });

  describe('files and timeline', () => {
    it('files: added, updated, listed per order, deleted; updating a missing file fails', async () => {
      const order = makeOrder();
      await repo.create(order);
      const file = makeFile(order);
      await repo.addFile(file);
      await repo.addFile(makeFile(makeOrder()));
      await repo.updateFile(order.orderId, file.fileId, { uploadedAt: at(3) });
      expect(await repo.files(order.orderId)).toEqual([{ ...file, uploadedAt: at(3) }]);
      await expect(repo.updateFile(order.orderId, id('fil'), { uploadedAt: at(4) })).rejects.toThrow();
      await repo.deleteFile(order.orderId, file.fileId);
      expect(await repo.files(order.orderId)).toEqual([]);
    });

    it("the SHA lookup: a lab's inputs of the account only, until the order forgets them", async () => {
      const order = makeOrder();
      await repo.create(order);
      const input = makeFile(order);
      const output = makeFile(order, { role: 'output', version: 1, fileId: id('fil') });
      await repo.addFile(input);
      await repo.addFile(output);
      expect(await repo.findOpenFileBySha('lab-contract', input.sha256)).toEqual({
        orderId: order.orderId,
        fileId: input.fileId,
      });
      expect(await repo.findOpenFileBySha('lab-other', input.sha256)).toBeUndefined();
      expect(await repo.findOpenFileBySha('lab-contract', output.sha256)).toBeUndefined();
      await repo.forgetFileShas(order.orderId);
      expect(await repo.findOpenFileBySha('lab-contract', input.sha256)).toBeUndefined();
      expect(await repo.files(order.orderId)).toHaveLength(2);
    });

    it('the timeline of an order, in time order whatever order the entries were written in', async () => {
      const order = makeOrder();
      const entry = (minutes: number, type: string): TimelineEntry => ({
        orderId: order.orderId,
        at: at(minutes),
        type,
        by: 'u-lab',
        detail: { files: minutes },
      });
      await repo.addTimeline(entry(2, 'SUBMITTED'));
      await repo.addTimeline(entry(0, 'CREATED'));
      await repo.addTimeline({ ...entry(1, 'CREATED'), orderId: id('ord') });
      // A re-run writes the entry a first run did not live to write, dated when the change was made.
      await repo.addTimeline(entry(1, 'FILE_DECLARED'));
      expect((await repo.timeline(order.orderId)).map((e) => e.type)).toEqual([
        'CREATED',
        'FILE_DECLARED',
        'SUBMITTED',
      ]);
      expect((await repo.timeline(order.orderId))[0]).toEqual(entry(0, 'CREATED'));
    });
  });
};
