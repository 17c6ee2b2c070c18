/**
 * Sending a notice to an account's security contacts (the account registry's, those who receive
 * breach or security-incident notices; all of them when none is marked): one message each on the
 * notifications topic, carrying the notice id, the link where the lab's users read it, its
 * deadline and the address it is for; never a patient reference, an order's data or the notice's
 * text (the lab reads those signed in, audited).
 */
import type { AccountRegistry, Notifier } from '../ports';
import type { Notice } from './model';

export type DeliverDeps = {
  readonly accounts: Pick<AccountRegistry, 'get'>;
  readonly notifier: Pick<Notifier, 'notify'>;
};

/** The account's contacts in the order a notice goes to them: breach contacts first. */
export const contactsOf = async (deps: DeliverDeps, accountId: string) => {
  const contacts = (await deps.accounts.get(accountId))?.contacts ?? [];
  const marked = contacts.filter(
    (c) => c.notices.includes('breach') || c.notices.includes('security-incident'),
  );
  return [...marked, ...contacts.filter((c) => !marked.includes(c))];
};

export const deliverNotice = async (
  deps: DeliverDeps,
  notice: Notice,
  kind: 'incident.notice' | 'incident.notice-preliminary' | 'incident.notice-reminder',
  which: 'breach-contacts' | { readonly index: number },
): Promise<number> => {
  const ordered = await contactsOf(deps, notice.accountId);
  const marked = ordered.filter(
    (c) => c.notices.includes('breach') || c.notices.includes('security-incident'),
  );
  const targets =
    which === 'breach-contacts'
      ? marked.length
        ? marked
        : ordered
      : ordered.length
        ? [ordered[which.index % ordered.length]]
        : [];
  for (const contact of targets) {
    if (!contact) continue;
    await deps.notifier.notify(kind, {
      accountId: notice.accountId,
      noticeId: notice.noticeId,
      incidentId: notice.incidentId,
      to: contact.email,
      dueAt: notice.dueAt,
      link: `/notices/${notice.noticeId}`,
    });
  }
  return targets.length;
};
