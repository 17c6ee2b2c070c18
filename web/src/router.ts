/**
 * Hash routes (#/orders/…): the console is served at `/` beside the API's own paths (/orders…),
 * so its routes must never be request paths the server sees.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  readonly path: string;
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
}

export const parseRoute = (hash: string): Route => {
  const raw = hash.replace(/^#/, '') || '/';
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  return {
    path,
    segments: path.split('/').filter(Boolean).map(decodeURIComponent),
    query: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)),
  };
};

export const navigate = (path: string) => {
  location.hash = path;
};

export const useRoute = (): Route => {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
};
