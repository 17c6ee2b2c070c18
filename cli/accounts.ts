/**
 * `caseline accounts …`: the account registry from the command line (operators; a lab-admin for
 * its own account's users, contacts and settings).
 *
 *   caseline accounts list
 *   caseline accounts show ACCOUNT_ID
 *   caseline accounts create ACCOUNT_ID --name "Delta Dental Ceramics LLC" --country US --state NY
 *                            --contact "Dana Reyes,security@delta.example.com,+15550104444,breach+termination"
 *                            [--baa-signed 2026-01-02 --baa-version 2026.1 --baa-effective 2026-01-03 [--breach-hours 24]]
 *   caseline accounts update ACCOUNT_ID [--status ACTIVE|SUSPENDED|ONBOARDING] [--contact …]… [--baa-… as above]
 *                            [--retention-days N] [--auto-accept-days N] [--deletion-grace-days N]
 *   caseline accounts users ACCOUNT_ID
 *   caseline accounts invite ACCOUNT_ID EMAIL [--role lab|lab-admin]
 *   caseline accounts remove-user ACCOUNT_ID USER_ID
 *   caseline accounts processing-record ACCOUNT_ID [--from ISO] [--to ISO]   (its lab-admin, auditors)
 */
import { parseArgs } from 'node:util';

type Call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => Promise<T>;

export class AccountsUsageError extends Error {
  override readonly name = 'AccountsUsageError';
}

const USAGE =
  'Usage: caseline accounts list | show ID | create ID --name N --country CC [--state S] --contact "name,email,phone,kind+kind" [--baa-signed D --baa-version V --baa-effective D [--breach-hours H]] | update ID [--status S] [--contact …] [--baa-…] [--retention-days N] [--auto-accept-days N] [--deletion-grace-days N] | users ID | invite ID EMAIL [--role lab|lab-admin] | remove-user ID USER_ID | processing-record ID [--from ISO] [--to ISO]';

const OPTIONS = {
  name: { type: 'string' },
  country: { type: 'string' },
  state: { type: 'string' },
  contact: { type: 'string', multiple: true },
  'baa-signed': { type: 'string' },
  'baa-version': { type: 'string' },
  'baa-effective': { type: 'string' },
  'breach-hours': { type: 'string' },
  status: { type: 'string' },
  'retention-days': { type: 'string' },
  'auto-accept-days': { type: 'string' },
  'deletion-grace-days': { type: 'string' },
  role: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

/** "name,email,phone,kind+kind": the API checks each part and names the bad one. */
const contactOf = (spec: string) => {
  const [name = '', email = '', phone = '', notices = ''] = spec.split(',').map((p) => p.trim());
  return { name, email, phone, notices: notices ? notices.split('+') : [] };
};

const numberOf = (value: string | undefined) => (value === undefined ? undefined : Number(value));

/** The body fields the options name; the API validates them. */
const bodyOf = (v: Values) => {
  const baa =
    v['baa-signed'] || v['baa-version'] || v['baa-effective']
      ? {
          signedAt: v['baa-signed'],
          version: v['baa-version'],
          effectiveAt: v['baa-effective'],
          ...(v['breach-hours'] ? { breachNoticeHours: Number(v['breach-hours']) } : {}),
        }
      : undefined;
  const policy = Object.fromEntries(
    Object.entries({
      retentionDays: numberOf(v['retention-days']),
      autoAcceptDays: numberOf(v['auto-accept-days']),
      deletionGraceDays: numberOf(v['deletion-grace-days']),
    }).filter(([, n]) => n !== undefined),
  );
  return {
    ...(v.name ? { legalName: v.name } : {}),
    ...(v.country ? { country: v.country } : {}),
    ...(v.state ? { state: v.state } : {}),
    ...(v.contact?.length ? { contacts: v.contact.map(contactOf) } : {}),
    ...(baa ? { baa } : {}),
    ...(Object.keys(policy).length ? { policy } : {}),
    ...(v.status ? { status: v.status } : {}),
  };
};

interface AccountView {
  accountId: string;
  legalName: string;
  status: string;
  baa?: { version: string; effectiveAt: string; breachNoticeHours: number };
  contacts: unknown[];
}

const line = (a: AccountView) =>
  `${a.accountId.padEnd(20)} ${a.status.padEnd(12)} ${a.baa ? `BAA ${a.baa.version} from ${a.baa.effectiveAt}, breach notice ${a.baa.breachNoticeHours} h` : 'no BAA on file'}  ${a.legalName}`;

export const runAccounts = async (rest: string[], call: Call, out: (line: string) => void): Promise<void> => {
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: OPTIONS });
  const [sub, id, extra, ...more] = positionals;
  const need = (ok: boolean) => {
    if (!ok || more.length) throw new AccountsUsageError(USAGE);
  };
  switch (sub) {
    case 'list': {
      need(id === undefined);
      let cursor: string | undefined;
      do {
        const page: { accounts: AccountView[]; nextCursor?: string } = await call(
          'GET',
          `/accounts?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        );
        for (const a of page.accounts) out(line(a));
        cursor = page.nextCursor;
      } while (cursor);
      return;
    }
    case 'processing-record': {
      need(id !== undefined && extra === undefined);
      const query = new URLSearchParams({
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
      }).toString();
      out(
        JSON.stringify(
          await call('GET', `/accounts/${id}/processing-record${query ? `?${query}` : ''}`),
          null,
          2,
        ),
      );
      return;
    }
    case 'show':
      need(id !== undefined && extra === undefined);
      out(JSON.stringify(await call('GET', `/accounts/${id}`), null, 2));
      return;
    case 'create': {
      need(id !== undefined && extra === undefined);
      const created = await call<AccountView>('POST', '/accounts', { accountId: id, ...bodyOf(values) });
      out(`Onboarded ${line(created)}`);
      return;
    }
    case 'update': {
      need(id !== undefined && extra === undefined);
      out(line(await call<AccountView>('PATCH', `/accounts/${id}`, bodyOf(values))));
      return;
    }
    case 'users': {
      need(id !== undefined && extra === undefined);
      const { users } = await call<{ users: { userId: string; email: string; role: string }[] }>(
        'GET',
        `/accounts/${id}/users`,
      );
      for (const u of users) out(`${u.userId}  ${u.role.padEnd(9)} ${u.email}`);
      if (!users.length) out('No users.');
      return;
    }
    case 'invite': {
      need(id !== undefined && extra !== undefined);
      const user = await call<{ userId: string; role: string }>('POST', `/accounts/${id}/users`, {
        email: extra,
        role: values.role ?? 'lab',
      });
      out(
        `Invited ${extra} to ${id} as ${user.role} (user ${user.userId}); the invitation e-mail carries a temporary password, and the first sign-in sets up MFA.`,
      );
      return;
    }
    case 'remove-user': {
      need(id !== undefined && extra !== undefined);
      await call('DELETE', `/accounts/${id}/users/${extra}`);
      out(`Removed user ${extra} from ${id}: every session revoked.`);
      return;
    }
    default:
      throw new AccountsUsageError(USAGE);
  }
};
