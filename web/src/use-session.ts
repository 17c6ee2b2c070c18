import { useEffect, useState } from 'preact/hooks';
import { type SessionState, session } from './session';

/** Re-renders on every session change and every second (the idle countdown). */
export const useSession = (): SessionState | undefined => {
  const [, setTick] = useState(0);
  useEffect(() => {
    const bump = () => setTick((n) => n + 1);
    const unsubscribe = session.subscribe(bump);
    const timer = setInterval(() => {
      session.tick();
      bump();
    }, 1000);
    const onActivity = () => session.activity();
    const events = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;
    for (const e of events) window.addEventListener(e, onActivity, { passive: true });
    // Leaving the page (closing the tab, a reload, another address) ends the session: tokens live
    // only in this page's memory, and its refresh token is revoked at the identity provider rather
    // than left valid for the rest of its hour.
    const onLeave = () => session.signOut('user');
    window.addEventListener('pagehide', onLeave);
    return () => {
      unsubscribe();
      clearInterval(timer);
      for (const e of events) window.removeEventListener(e, onActivity);
      window.removeEventListener('pagehide', onLeave);
    };
  }, []);
  return session.state();
};
