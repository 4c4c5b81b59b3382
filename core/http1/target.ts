/**
 * Where a URL points, parsed once per URL string (callers use a few fixed
 * URLs): the connection's origin and what the request head needs.
 */
import { isIP } from 'node:net';

export interface Target {
  secure: boolean;
  /** Host name or address to connect to (an IPv6 literal without brackets). */
  hostname: string;
  port: number;
  /** Pool key of the origin. */
  key: string;
  /** TLS server name (SNI): undefined for an IP address, which SNI cannot carry. */
  servername: string | undefined;
  /** Request target: path and query. */
  path: string;
  /** Value of the Host header: the URL's host, with the port when it is not the default one. */
  hostHeader: string;
  /** `user:password` from the URL (decoded), for basic auth. */
  auth: string | undefined;
}

export function targetOf(url: URL): Target {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`unsupported protocol ${url.protocol}`);
  const secure = url.protocol === 'https:';
  // IPv6 literals come bracketed in a URL, bare for a connect.
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port ? Number(url.port) : secure ? 443 : 80;
  return {
    secure,
    hostname,
    port,
    key: `${secure ? 'https' : 'http'}://${url.host}`,
    servername: secure && isIP(hostname) === 0 ? hostname : undefined,
    path: `${url.pathname}${url.search}`,
    // URL drops a default port and keeps IPv6 brackets: the Host header node:http sends.
    hostHeader: url.host,
    auth: url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
  };
}

/** A small cache of targets by URL string. */
export function targetCache(max = 64): (url: string | URL) => Target {
  const targets = new Map<string, Target>();
  return (url) => {
    if (typeof url !== 'string') return targetOf(url);
    let target = targets.get(url);
    if (!target) {
      target = targetOf(new URL(url));
      if (targets.size >= max) targets.clear();
      targets.set(url, target);
    }
    return target;
  };
}
