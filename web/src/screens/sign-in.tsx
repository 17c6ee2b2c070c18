import { useEffect, useState } from 'preact/hooks';
import { type AuthConfig, beginCognitoSignIn, type LocalUser, localUsers, signInLocal } from '../auth';
import type { SignOutReason } from '../session';

const REASONS: Record<SignOutReason, string> = {
  idle: 'You were signed out after 15 minutes without activity.',
  expired: 'Your session ended: sign in again.',
  revoked: 'Your session ended (signed out elsewhere, or an hour after you signed in): sign in again.',
  user: 'You signed out.',
};

export const SignIn = ({ auth, reason }: { auth: AuthConfig; reason: SignOutReason | undefined }) => {
  const [users, setUsers] = useState<LocalUser[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (auth.kind === 'local')
      localUsers()
        .then(setUsers)
        .catch(() => setError('The local identity provider did not answer.'));
  }, [auth.kind]);

  const pick = async (username: string) => {
    setBusy(true);
    setError(undefined);
    try {
      if (auth.kind === 'local') await signInLocal(auth, username);
      location.hash = '#/';
    } catch (e) {
      setError(e instanceof Error ? e.message : 'Sign-in failed.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <h1>Sign in to Caseline</h1>
      {reason && (
        <p class="notice" role="status" data-testid="signed-out-reason">
          {REASONS[reason]}
        </p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {auth.kind === 'cognito' ? (
        <>
          <p>You will sign in on the Caseline sign-in page (password and authenticator code).</p>
          <button type="button" onClick={() => void beginCognitoSignIn(auth)}>
            Sign in
          </button>
        </>
      ) : (
        <>
          <p>
            Local stack: pick a user of the local identity provider. It stands in for a completed sign-in (no
            password or MFA here).
          </p>
          {!users && !error && <p aria-busy="true">Loading users…</p>}
          {users && (
            <table class="users">
              <caption>Users of the local identity provider</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Role</th>
                  <th scope="col">Account</th>
                  <th scope="col">Who</th>
                </tr>
              </thead>
              <tbody>
                {users.map((u) => (
                  <tr key={u.username}>
                    <td>
                      <button
                        type="button"
                        disabled={busy}
                        data-testid={`sign-in-${u.username}`}
                        onClick={() => void pick(u.username)}
                      >
                        {u.username}
                      </button>
                    </td>
                    <td>{u.roles.join(', ')}</td>
                    <td>{u.accountId}</td>
                    <td>{u.description ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </main>
  );
};
