/**
 * A small HTTP/1.1 client on raw `net`/`tls` sockets with a keep-alive
 * connection pool, for the runtime's hot paths (backend calls, gateway
 * turns). It does what those callers need and no more: one request, the
 * whole body as text, an abort signal that covers the body too, a body size
 * cap.
 *
 * Why not `fetch` or node:http: a delivered notification makes about six
 * HTTP exchanges. undici's fetch (WHATWG streams, Request/Response/Headers
 * objects, the wasm parser) was the largest CPU cost per notification, and
 * node:http after it still spent ~0.35 ms per exchange in its agent, outgoing
 * message and stream machinery (docs/performance.md). Here an exchange is one
 * socket write, an incremental parser over the Buffers the socket reads
 * (core/http1/response-parser.ts) and one utf8 decode of the body.
 *
 * Behaviour callers rely on:
 * - errors before the response headers arrived are rethrown as they are
 *   (`ECONNREFUSED`, an `AbortError` whose `cause` is the signal's reason,
 *   `socket hang up` with code `ECONNRESET` when the server closes without
 *   answering, an `HttpParseError` for a malformed head …); errors after the
 *   headers (connection lost, aborted, too large, malformed body framing) are
 *   an `HttpBodyError` with the status, because the server took the request;
 * - `timeoutMs` is a deadline over the whole exchange (connect, body,
 *   decoding): a `TimeoutError` (`isHttpTimeout`);
 * - no redirects are followed (a 3xx is an answer like any other);
 * - gzip/deflate/br bodies are decoded (we never ask for them);
 * - a GET/HEAD whose reused keep-alive socket fails with ECONNRESET/EPIPE
 *   before any byte of an answer is sent once more on a new connection;
 * - keep-alive sockets are not reused past the server's `Keep-Alive: timeout`
 *   hint (less 1 s), and an idle socket the server closes leaves the pool;
 * - https verifies the server against the default CAs (`NODE_EXTRA_CA_CERTS`
 *   included) with SNI;
 * - `NODE_USE_ENV_PROXY=1` with a proxy variable for the URL's protocol
 *   routes through the node:http(s) agents (core/http1/node-http.ts), which
 *   honour `HTTP(S)_PROXY` and `NO_PROXY` as they do for fetch.
 */
import type tls from 'node:tls';
import { ConnectionPool } from './http1/connection-pool.ts';
import { Exchange, type PreparedRequest } from './http1/exchange.ts';
import { createNodeHttpClient } from './http1/node-http.ts';
import { requestBytes } from './http1/request-head.ts';
import { targetCache, type Target } from './http1/target.ts';
import { DEFAULT_MAX_BODY, signalsOf, type HttpAnswer, type HttpClient, type HttpRequestInit } from './http1/types.ts';

export { HttpBodyError, isHttpTimeout } from './http1/types.ts';
export type { HttpAnswer, HttpClient, HttpRequestInit } from './http1/types.ts';
export { HttpParseError } from './http1/response-parser.ts';

export interface HttpClientOptions {
  /** Sockets per origin (in use and idle); more requests wait for one. Default: no limit. */
  maxSockets?: number;
  /** Extra TLS options for https (e.g. `ca` of a private CA). */
  tls?: tls.ConnectionOptions;
}

/** Does a proxy variable apply to this protocol under `NODE_USE_ENV_PROXY=1`? */
function proxied(secure: boolean, env: NodeJS.ProcessEnv): boolean {
  if (env.NODE_USE_ENV_PROXY !== '1') return false;
  return Boolean(secure ? env.HTTPS_PROXY || env.https_proxy : env.HTTP_PROXY || env.http_proxy);
}

export function createHttpClient(options: HttpClientOptions = {}): HttpClient {
  const pool = new ConnectionPool({ maxSockets: options.maxSockets, tls: options.tls });
  const resolve = targetCache();
  const env = process.env;
  const proxy = { http: proxied(false, env), https: proxied(true, env) };
  let viaProxy: HttpClient | undefined;

  function request(url: string | URL, init: HttpRequestInit = {}): Promise<HttpAnswer> {
    let target: Target;
    let req: PreparedRequest;
    try {
      target = resolve(url);
      if (target.secure ? proxy.https : proxy.http) {
        viaProxy ??= createNodeHttpClient({ maxSockets: options.maxSockets, proxyEnv: env });
        return viaProxy.request(url, init);
      }
      const method = init.method === undefined ? 'GET' : init.method.toUpperCase();
      req = {
        target,
        method,
        bytes: requestBytes(target, method, init.headers, init.body),
        signals: signalsOf(init),
        timeoutMs: init.timeoutMs,
        deadlineAt: init.timeoutMs === undefined ? undefined : performance.now() + init.timeoutMs,
        maxBodyBytes: init.maxBodyBytes ?? DEFAULT_MAX_BODY,
      };
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<HttpAnswer>((resolveAnswer, rejectAnswer) => {
      new Exchange(pool, req, { resolve: resolveAnswer, reject: rejectAnswer }).start();
    });
  }

  return {
    request,
    close() {
      pool.close();
      viaProxy?.close();
    },
  };
}
