import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { completeCognitoSignIn } from './auth';
import { type ConsoleConfig, loadConfig } from './config';
import { navigate, useRoute } from './router';
import { AssignmentPage, DesignerHome } from './screens/designer';
import { NewOrder } from './screens/new-order';
import { OrderPage } from './screens/order';
import { Orders } from './screens/orders';
import { SignIn } from './screens/sign-in';
import { formatCountdown, session } from './session';
import { Lazy } from './staff/kit';
import { useSession } from './use-session';

const homeOf = (roles: readonly string[]) =>
  roles.includes('designer')
    ? '/designer'
    : roles.includes('privacy-officer')
      ? '/incidents'
      : roles.includes('operator')
        ? '/operator'
        : '/orders';

// Screens for a few users each, loaded on first use: never part of the first load.
const privacyScreens = () => import('./staff/privacy');
const noticeScreens = () => import('./staff/notices');
const adminScreens = () => import('./staff/admin');
const operatorScreens = () => import('./staff/operator');

export const App = () => {
  const [config, setConfig] = useState<ConsoleConfig | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const state = useSession();
  const route = useRoute();

  useEffect(() => {
    loadConfig()
      .then(async (c) => {
        if (c.auth.kind === 'cognito') await completeCognitoSignIn(c.auth);
        setConfig(c);
      })
      .catch((e: unknown) => setFailure(e instanceof Error ? e.message : 'The console could not start.'));
  }, []);

  if (failure)
    return (
      <main id="main">
        <h1>Caseline</h1>
        <p role="alert">{failure}</p>
      </main>
    );
  if (!config)
    return (
      <main id="main" aria-busy="true">
        <h1>Caseline</h1>
        <p>Loading…</p>
      </main>
    );
  if (!state) return <SignIn auth={config.auth} reason={session.lastSignOut} />;

  const { identity } = state;
  const isLab = identity.roles.some((r) => r === 'lab' || r === 'lab-admin');
  const isDesigner = identity.roles.includes('designer');
  const isOfficer = identity.roles.includes('privacy-officer');
  const isLabAdmin = identity.roles.includes('lab-admin');
  const isOperator = identity.roles.includes('operator');
  const [first, second] = route.segments;
  let screen: ComponentChildren;
  if (isLab && first === 'orders' && second === 'new') screen = <NewOrder />;
  else if (isLab && first === 'orders' && second) screen = <OrderPage orderId={second} />;
  else if (isLab && first === 'orders') screen = <Orders query={route.query} />;
  else if (isLab && first === 'notices' && second)
    screen = <Lazy load={noticeScreens} render={(m) => <m.NoticePage noticeId={second} />} />;
  else if (isLab && first === 'notices') screen = <Lazy load={noticeScreens} render={(m) => <m.Notices />} />;
  else if (isLabAdmin && first === 'account')
    screen = <Lazy load={adminScreens} render={(m) => <m.AccountAdmin />} />;
  else if (isOperator && first === 'operator' && second === 'accounts' && route.segments[2]) {
    const accountId = route.segments[2];
    screen = <Lazy load={operatorScreens} render={(m) => <m.AccountView accountId={accountId} />} />;
  } else if (isOperator && first === 'operator')
    screen = (
      <Lazy
        load={operatorScreens}
        render={(m) => <m.OperatorHome local={config.auth.kind === 'local'} query={route.query} />}
      />
    );
  else if (isOfficer && first === 'incidents' && second)
    screen = <Lazy load={privacyScreens} render={(m) => <m.IncidentPage incidentId={second} />} />;
  else if (isOfficer && first === 'incidents')
    screen = <Lazy load={privacyScreens} render={(m) => <m.Incidents />} />;
  else if (isDesigner && first === 'designer' && second) screen = <AssignmentPage orderId={second} />;
  else if (isDesigner && first === 'designer') screen = <DesignerHome />;
  else if (!isLab && !isDesigner && !isOfficer && !isOperator)
    screen = (
      <section>
        <h1>Nothing here yet for {identity.roles.join(', ') || 'this role'}</h1>
        <p>The console has lab and designer screens; the other roles use the CLI for now.</p>
      </section>
    );
  else {
    navigate(homeOf(identity.roles));
    screen = null;
  }

  return (
    <>
      {/* A button, not a link to #main: the hash is the route. */}
      <button type="button" class="skip" onClick={() => document.getElementById('main')?.focus()}>
        Skip to content
      </button>
      <header class="top">
        <span class="brand">Caseline</span>
        <nav aria-label="Main">
          {isLab && <a href="#/orders">Orders</a>}
          {isLab && <a href="#/orders/new">New order</a>}
          {isLab && <a href="#/notices">Breach notices</a>}
          {isLabAdmin && <a href="#/account">Account</a>}
          {isDesigner && <a href="#/designer">My work</a>}
          {isOfficer && <a href="#/incidents">Incidents</a>}
          {isOperator && <a href="#/operator">Operations</a>}
        </nav>
        <span class="who">
          {identity.username} · {identity.roles.join(', ')} · {identity.accountId}
        </span>
        <span class="idle" role="timer" data-testid="idle-countdown">
          idle sign-out in {formatCountdown(state.idleLeftMs)}
        </span>
        <button type="button" class="link" onClick={() => session.signOut('user')}>
          Sign out
        </button>
      </header>
      {state.warning && (
        <div class="warning" role="alertdialog" aria-labelledby="idle-title" aria-describedby="idle-text">
          <h2 id="idle-title">Still there?</h2>
          <p id="idle-text">
            You will be signed out in{' '}
            <strong data-testid="idle-warning-countdown">{formatCountdown(state.idleLeftMs)}</strong> for
            inactivity.
          </p>
          <button type="button" onClick={() => session.activity()}>
            Stay signed in
          </button>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {screen}
      </main>
    </>
  );
};
