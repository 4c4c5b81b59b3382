/**
 * The previous transport, on node:http(s) and its keep-alive agents. It is
 * used only when `NODE_USE_ENV_PROXY=1` and a proxy variable applies to the
 * request's protocol: Node's agents route through `HTTP(S)_PROXY` (honouring
 * `NO_PROXY`) as fetch does, and the raw-socket client does not speak to proxies.
 * Same behaviour as the raw client (core/http-client.ts lists it).
 */
import type http from 'node:http';
import type https from 'node:https';
import type { Readable } from 'node:stream';
import type zlib from 'node:zlib';
import { abortError, bodyFailure, DEFAULT_MAX_BODY, signalsOf, timeoutError, tooLargeError, type HttpAnswer, type HttpClient, type HttpRequestInit } from './types.ts';
import { targetOf, type Target } from './target.ts';

function decoder(res: http.IncomingMessage): Readable {
  const z = process.getBuiltinModule('node:zlib') as typeof zlib;
  switch (String(res.headers['content-encoding'] ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return res.pipe(z.createGunzip());
    case 'deflate':
      return res.pipe(z.createInflate());
    case 'br':
      return res.pipe(z.createBrotliDecompress());
    default:
      return res;
  }
}

export function createNodeHttpClient(options: { maxSockets?: number; proxyEnv?: NodeJS.ProcessEnv } = {}): HttpClient {
  // getBuiltinModule, not an ES import: the ES namespace of node:http reads its lazy
  // WebSocket/EventSource exports and so loads all of undici.
  const httpModule = process.getBuiltinModule('node:http') as typeof http;
  const httpsModule = process.getBuiltinModule('node:https') as typeof https;
  const proxyEnv = options.proxyEnv;
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? Infinity, scheduling: 'lifo' as const, ...(proxyEnv ? { proxyEnv } : {}) };
  const agents = { http: new httpModule.Agent(agentOptions), https: new httpsModule.Agent(agentOptions) };

  function request(url: string | URL, init: HttpRequestInit = {}): Promise<HttpAnswer> {
    let target: Target;
    try {
      target = targetOf(typeof url === 'string' ? new URL(url) : url);
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
      const signals = signalsOf(init);
      const abortedBy = () => signals.find((x) => x.aborted);
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
      const where = { protocol: target.secure ? 'https:' : 'http:', hostname: target.hostname, port: target.port, path: target.path, auth: target.auth };
      const req = (target.secure ? httpsModule : httpModule).request({ ...where, method: init.method ?? 'GET', headers, agent: target.secure ? agents.https : agents.http });
      for (const x of signals) x.addEventListener('abort', onAbort, { once: true });
      if (deadlineAt !== undefined) {
        timer = setTimeout(() => {
          expired = timeoutError(init.timeoutMs!);
          req.destroy(expired);
        }, Math.max(0, deadlineAt - performance.now()));
      }
      const beforeHeaders = (err: Error) => {
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
          reject(bodyFailure(expired ?? err, status));
        };
        req.removeListener('error', beforeHeaders);
        req.on('error', (err) => fail(err));
        const body = decoder(res);
        const chunks: Buffer[] = [];
        let size = 0;
        body.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) fail(tooLargeError(maxBytes, status));
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
