/**
 * `caseline incidents …` and `caseline notices …`: security incidents from the command line.
 *
 *   caseline incidents report --category CATEGORY --description TEXT [--order ORDER_ID]…   (anyone)
 *   caseline incidents list | register                                   (privacy officers, auditors)
 *   caseline incidents show INCIDENT_ID                                  (privacy officers, auditors)
 *   caseline incidents triage INCIDENT_ID confirmed
 *   caseline incidents triage INCIDENT_ID not-a-breach --nature-and-extent T --unauthorized-person T
 *                             --acquired-or-viewed T --mitigation T --safe-harbour T
 *   caseline incidents notice INCIDENT_ID ACCOUNT_ID [--nature T] [--likely-consequences T]
 *                             [--measures-taken T] [--measures-proposed T] [--what-the-lab-should-do T] [--send]
 *   caseline incidents contain INCIDENT_ID ACTOR_SUB
 *   caseline incidents close INCIDENT_ID --summary TEXT
 *   caseline notices list | show NOTICE_ID | acknowledge NOTICE_ID     (labs and lab-admins)
 */
import { parseArgs } from 'node:util';

type Call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => Promise<T>;

export class IncidentsUsageError extends Error {
  override readonly name = 'IncidentsUsageError';
}

const USAGE =
  'Usage: caseline incidents report --category C --description TEXT [--order ID]… | list | register | show ID | triage ID confirmed | triage ID not-a-breach --nature-and-extent T --unauthorized-person T --acquired-or-viewed T --mitigation T --safe-harbour T | notice ID ACCOUNT_ID [--nature T] [--likely-consequences T] [--measures-taken T] [--measures-proposed T] [--what-the-lab-should-do T] [--send] | contain ID ACTOR_SUB | close ID --summary TEXT';
const NOTICES_USAGE = 'Usage: caseline notices list | show NOTICE_ID | acknowledge NOTICE_ID';

const OPTIONS = {
  category: { type: 'string' },
  description: { type: 'string' },
  order: { type: 'string', multiple: true },
  'nature-and-extent': { type: 'string' },
  'unauthorized-person': { type: 'string' },
  'acquired-or-viewed': { type: 'string' },
  mitigation: { type: 'string' },
  'safe-harbour': { type: 'string' },
  nature: { type: 'string' },
  'likely-consequences': { type: 'string' },
  'measures-taken': { type: 'string' },
  'measures-proposed': { type: 'string' },
  'what-the-lab-should-do': { type: 'string' },
  send: { type: 'boolean' },
  summary: { type: 'string' },
} as const;

/** Only the options given, under the API's field names; the API validates them. */
const pick = (values: Record<string, unknown>, names: Readonly<Record<string, string>>) =>
  Object.fromEntries(
    Object.entries(names).flatMap(([opt, field]) =>
      values[opt] === undefined ? [] : [[field, values[opt]]],
    ),
  );

const json = (value: unknown) => JSON.stringify(value, null, 2);

interface Summary {
  incidentId: string;
  status: string;
  discoveredAt: string;
  kinds: string[];
  signalCount: number;
}

const line = (i: Summary) =>
  `${i.incidentId}  ${i.status.padEnd(12)} discovered ${i.discoveredAt}  ${i.kinds.join(',')} (${i.signalCount} signal${i.signalCount === 1 ? '' : 's'})`;

export const runIncidents = async (
  rest: string[],
  call: Call,
  out: (line: string) => void,
): Promise<void> => {
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: OPTIONS });
  const [sub, id, extra, ...more] = positionals;
  const need = (ok: boolean) => {
    if (!ok || more.length) throw new IncidentsUsageError(USAGE);
  };
  switch (sub) {
    case 'report': {
      need(id === undefined);
      const r = await call<{ incidentId: string; opened: boolean }>('POST', '/incidents/reports', {
        category: values.category,
        description: values.description,
        ...(values.order?.length ? { orderIds: values.order } : {}),
      });
      out(`${r.opened ? 'Opened' : 'Added to'} incident ${r.incidentId}: the privacy office was paged.`);
      return;
    }
    case 'list':
    case 'register': {
      need(id === undefined);
      let cursor: string | undefined;
      do {
        const path = sub === 'list' ? '/incidents' : '/incidents/register';
        const page: { incidents: Summary[]; cursor?: string } = await call(
          'GET',
          `${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        for (const i of page.incidents) out(sub === 'list' ? line(i) : JSON.stringify(i));
        if (!page.incidents.length && !cursor) out('No incidents.');
        cursor = page.cursor;
      } while (cursor);
      return;
    }
    case 'show':
      need(id !== undefined && extra === undefined);
      out(json(await call('GET', `/incidents/${id}`)));
      return;
    case 'triage': {
      need(id !== undefined && (extra === 'confirmed' || extra === 'not-a-breach'));
      const body = {
        decision: extra,
        ...pick(values, {
          'nature-and-extent': 'natureAndExtent',
          'unauthorized-person': 'unauthorizedPerson',
          'acquired-or-viewed': 'acquiredOrViewed',
          mitigation: 'mitigation',
          'safe-harbour': 'safeHarbour',
        }),
      };
      const r = await call<Summary>('POST', `/incidents/${id}/triage`, body);
      out(`Incident ${r.incidentId} is ${r.status}.`);
      return;
    }
    case 'notice': {
      need(id !== undefined && extra !== undefined);
      const edit = pick(values, {
        nature: 'nature',
        'likely-consequences': 'likelyConsequences',
        'measures-taken': 'measuresTaken',
        'measures-proposed': 'measuresProposed',
        'what-the-lab-should-do': 'whatTheLabShouldDo',
      });
      let notice: unknown;
      if (Object.keys(edit).length) notice = await call('PUT', `/incidents/${id}/notices/${extra}`, edit);
      if (values.send) notice = await call('POST', `/incidents/${id}/notices/${extra}`);
      out(
        json(
          notice ??
            (await call<{ notices: { accountId: string }[] }>('GET', `/incidents/${id}`)).notices.find(
              (n) => n.accountId === extra,
            ),
        ),
      );
      return;
    }
    case 'contain': {
      need(id !== undefined && extra !== undefined);
      const r = await call<{
        designerDeactivated: boolean;
        sessionsRevoked: boolean;
        leasesReleased: string[];
      }>('POST', `/incidents/${id}/containment`, { actorSub: extra });
      out(
        `Contained ${extra}: designer ${r.designerDeactivated ? 'deactivated' : 'not a designer'}, sessions ${r.sessionsRevoked ? 'revoked' : 'not found'}, ${r.leasesReleased.length} order(s) back in the queue.`,
      );
      return;
    }
    case 'close': {
      need(id !== undefined && extra === undefined);
      const r = await call<Summary>('POST', `/incidents/${id}/close`, { summary: values.summary });
      out(`Incident ${r.incidentId} is ${r.status}.`);
      return;
    }
    default:
      throw new IncidentsUsageError(USAGE);
  }
};

export const runNotices = async (rest: string[], call: Call, out: (line: string) => void): Promise<void> => {
  const [sub, id, ...more] = rest;
  if (more.length) throw new IncidentsUsageError(NOTICES_USAGE);
  switch (sub) {
    case 'list': {
      if (id !== undefined) throw new IncidentsUsageError(NOTICES_USAGE);
      const { notices } = await call<{
        notices: {
          noticeId: string;
          status: string;
          preliminary: boolean;
          dueAt: string;
          orderIds: string[];
        }[];
      }>('GET', '/notices');
      for (const n of notices)
        out(
          `${n.noticeId}  ${n.status.padEnd(12)} ${n.preliminary ? 'PRELIMINARY ' : ''}${n.orderIds.length} order(s), due ${n.dueAt}`,
        );
      if (!notices.length) out('No notices.');
      return;
    }
    case 'show':
      if (id === undefined) throw new IncidentsUsageError(NOTICES_USAGE);
      out(json(await call('GET', `/notices/${id}`)));
      return;
    case 'acknowledge': {
      if (id === undefined) throw new IncidentsUsageError(NOTICES_USAGE);
      const r = await call<{ acknowledgedAt: string }>('POST', `/notices/${id}/acknowledge`);
      out(`Acknowledged notice ${id} at ${r.acknowledgedAt}.`);
      return;
    }
    default:
      throw new IncidentsUsageError(NOTICES_USAGE);
  }
};
