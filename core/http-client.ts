/**
 * A small HTTP/1.1 client on node:http(s) with a keep-alive connection pool,
 * for the runtime's hot paths (backend calls, gateway turns). It does what
 * those callers need and no more: one request, the whole body as text, an
 * abort signal that covers the body too, a body size cap.
 *
 * Why not `fetch`: a delivered notification makes about six HTTP exchanges,
 * and undici's fetch (WHATWG streams, Request/Response/Headers objects, the
 * wasm parser) was the largest single CPU cost per notification in the
 * bench's profile (docs/performance.md). node:http keeps the same
 * connection reuse at a fraction of the allocation.
 *
 * Behaviour callers rely on:
 * - errors before the response headers arrived are rethrown as they are
 *   (`ECONNREFUSED`, an `AbortError` whose `cause` is the signal's reason …);
 *   errors after the headers (connection lost, aborted, too large) are an
 *   `HttpBodyError` with the status, because the server took the request;
 * - no redirects are followed (a 3xx is an answer like any other);
 * - gzip/deflate/br bodies are decoded (we never ask for them);
 * - keep-alive sockets are closed before the server's `Keep-Alive: timeout`
 *   hint (Node's agent honours it), so an idle socket is not reused just as
 *   the server drops it;
 * - `NODE_USE_ENV_PROXY=1` routes through `HTTP(S)_PROXY` as it does for fetch.
 */
import type http from 'node:http';
import type https from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

// Not `import http from 'node:http'`: an ES module import of node:http builds its namespace from
// every export, and reading the lazy WebSocket/EventSource exports loads all of undici (~4 MiB of
// resident memory and ~60 ms of start-up for a client that never uses it). getBuiltinModule hands
// over the CommonJS exports object as require() does.
const httpModule = process.getBuiltinModule('node:http') as typeof http;
const httpsModule = process.getBuiltinModule('node:https') as typeof https;

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the exchange; several signals: the first that aborts (cheaper than `AbortSignal.any`). */
  signal?: AbortSignal | readonly (AbortSignal | undefined)[];
  /** Deadline of the whole exchange (body included): the request fails with a `TimeoutError`. */
  timeoutMs?: number;
  /** Bodies larger than this fail with `HttpBodyError` (`tooLarge`). */
  maxBodyBytes?: number;
}

export interface HttpAnswer {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The request reached the server (headers came back), then the body failed. */
export class HttpBodyError extends Error {
  override readonly name = 'HttpBodyError';
  readonly status: number;
  readonly tooLarge: boolean;
  readonly code: string | undefined;

  constructor(message: string, status: number, options: { tooLarge?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.status = status;
    this.tooLarge = options.tooLarge ?? false;
    this.code = (options.cause as { code?: unknown } | undefined)?.code as string | undefined;
  }
}

export interface HttpClient {
  request(url: string | URL, init?: HttpRequestInit): Promise<HttpAnswer>;
  /** Closes pooled sockets (in-flight requests finish). */
  close(): void;
}

const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

function decoder(res: http.IncomingMessage): Readable {
  switch (String(res.headers['content-encoding'] ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(createGunzip());
    case 'deflate':
      return res.pipe(createInflate());
    case 'br':
      return res.pipe(createBrotliDecompress());
    default:
      return res;
  }
}

/** Where a URL points, as node:http options (parsed once per URL string: callers use a few fixed URLs). */
interface Target {
  secure: boolean;
  protocol: string;
  hostname: string;
  port: string;
  path: string;
  auth: string | undefined;
}

const MAX_TARGETS = 64;

function targetOf(url: URL): Target {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`unsupported protocol ${url.protocol}`);
  return {
    secure: url.protocol === 'https:',
    protocol: url.protocol,
    // IPv6 literals come bracketed in a URL, bare in node:http options.
    hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port,
    path: `${url.pathname}${url.search}`,
    auth: url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined,
  };
}

export function createHttpClient(options: { maxSockets?: number } = {}): HttpClient {
  const proxyEnv = process.env.NODE_USE_ENV_PROXY === '1' ? process.env : undefined;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? Infinity, scheduling: 'lifo' as const, ...(proxyEnv ? { proxyEnv } : {}) };
  const agents = { http: new httpModule.Agent(agentOptions), https: new httpsModule.Agent(agentOptions) };
  const targets = new Map<string, Target>();

  function resolve(url: string | URL): Target {
    if (typeof url !== 'string') return targetOf(url);
    let target = targets.get(url);
    if (!target) {
      target = targetOf(new URL(url));
      if (targets.size >= MAX_TARGETS) targets.clear();
      targets.set(url, target);
    }
    return target;
  }

  function request(url: string | URL, init: HttpRequestInit = {}): Promise<HttpAnswer> {
    let target: Target;
    try {
      target = resolve(url);
    } catch (err) {
      return Promise.reject(err);
    }
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body);
    const deadlineAt = init.timeoutMs === undefined ? undefined : performance.now() + init.timeoutMs;
    return exchange(target, init, headers, deadlineAt, false);
  }

  function exchange(target: Target, init: HttpRequestInit, headers: Record<string, string | number>, deadlineAt: number | undefined, retry: boolean): Promise<HttpAnswer> {
    const maxBytes = init.maxBodyBytes ?? DEFAULT_MAX_BODY;
    return new Promise<HttpAnswer>((resolveAnswer, rejectAnswer) => {
      let timer: NodeJS.Timeout | undefined;
      /** Set when our deadline fired: whatever error the destroy causes, this is the reason. */
      let expired: Error | undefined;
      const signals = (Array.isArray(init.signal) ? init.signal : [init.signal]).filter((x): x is AbortSignal => x !== undefined);
      const abortedBy = () => signals.find((x) => x.aborted);
      // One plain listener per signal (removed when the exchange settles) instead of node:http's `signal` option.
      const onAbort = () => req.destroy(abortError(abortedBy()!));
      const unlisten = () => {
        for (const x of signals) x.removeEventListener('abort', onAbort);
      };
      const resolve = (answer: HttpAnswer | Promise<HttpAnswer>) => {
        clearTimeout(timer);
        unlisten();
        resolveAnswer(answer);
      };
      const reject = (err: unknown) => {
        clearTimeout(timer);
        unlisten();
        rejectAnswer(err);
      };
      const already = abortedBy();
      if (already) return reject(abortError(already));
      const { secure, ...where } = target;
      const req = (secure ? httpsModule : httpModule).request({ ...where, method: init.method ?? 'GET', headers, agent: secure ? agents.https : agents.http });
      for (const x of signals) x.addEventListener('abort', onAbort, { once: true });
      if (deadlineAt !== undefined) {
        timer = setTimeout(() => {
          expired = timeoutError(init.timeoutMs!);
          req.destroy(expired);
        }, Math.max(0, deadlineAt - performance.now()));
      }
      const beforeHeaders = (err: Error) => {
        // A kept-alive socket that failed before any answer: most likely the server had just closed it
        // idle, but it may have taken the request, so only a request that is safe to repeat is sent once
        // more on a new connection (as fetch does). Backend calls decide about retries themselves.
        const code = (err as { code?: unknown }).code;
        const idempotent = init.method === undefined || init.method === 'GET' || init.method === 'HEAD';
        if (idempotent && !retry && !expired && !abortedBy() && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) {
          resolve(exchange(target, init, headers, deadlineAt, true));
          return;
        }
        reject(expired ?? err);
      };
      req.on('error', beforeHeaders);
      req.once('response', (res) => {
        const status = res.statusCode ?? 0;
        const fail = (err: unknown) => {
          req.destroy();
          const cause = expired ?? err;
          reject(cause instanceof HttpBodyError ? cause : new HttpBodyError(`reading the response body failed: ${(cause as Error)?.message ?? cause}`, status, { cause }));
        };
        // From here on an abort or a lost connection is a body failure.
        req.removeListener('error', beforeHeaders);
        req.on('error', (err) => fail(err));
        const body = decoder(res);
        const chunks: Buffer[] = [];
        let size = 0;
        body.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) fail(new HttpBodyError(`response body larger than ${maxBytes} bytes`, status, { tooLarge: true }));
          else chunks.push(chunk);
        });
        body.once('error', (err) => fail(err));
        if (body !== res) res.once('error', (err) => fail(err));
        res.once('close', () => {
          if (!res.complete) fail(new Error('connection closed before the response body was complete'));
        });
        body.once('end', () => {
          if (size > maxBytes) return;
          resolve({ status, statusText: res.statusMessage ?? '', headers: res.headers, body: chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8') });
        });
      });
      req.end(init.body);
    });
  }

  return {
    request,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}

/** Is `err` (or the body failure it caused) the exchange's own deadline? */
export function isHttpTimeout(err: unknown): boolean {
  const e = err instanceof HttpBodyError ? err.cause : err;
  return (e as { name?: unknown } | null)?.name === 'TimeoutError';
}

function timeoutError(ms: number): Error {
  const err = new Error(`no complete answer within ${ms} ms`);
  err.name = 'TimeoutError';
  return err;
}

function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}
