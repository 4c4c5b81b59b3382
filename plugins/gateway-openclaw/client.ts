/**
 * One HTTP exchange with the gateway. The abort signal covers the whole
 * exchange, body read included (the original runtime cleared its timer once the
 * headers arrived, so a stalled body hung forever). Every failure becomes a
 * classified GatewayError so callers can decide: retry, pause, or give up.
 */
import { GatewayError, isGatewayError } from '../../core/ports/gateway.ts';
import type { BuiltRequest } from './request.ts';
import { authHeaders, requestJson } from './request.ts';
import { parseResponsesAnswer, type ParsedResponse, type RawAnswer } from './response.ts';
import { excerpt } from './redact.ts';
import { createHttpClient, HttpBodyError, isHttpTimeout, type HttpClient } from '../../core/http-client.ts';

/** Bodies above this are refused: a reply that large is a malfunction, not an answer. */
const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

export type ExchangeOutcome = 'ok' | GatewayError['kind'];

export interface ExchangeEvent {
  endpoint: 'responses' | 'models';
  outcome: ExchangeOutcome;
  seconds: number;
}

export interface GatewayClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:18789` (a trailing slash is ignored). */
  url: string;
  token?: string;
  /** Cap of one HTTP exchange; the caller's signal may end it earlier. */
  requestTimeoutMs: number;
  maxBodyBytes?: number;
  /** HTTP transport (core/http-client.ts); default: one of the client's own (keep-alive). */
  http?: HttpClient;
  onExchange?: (event: ExchangeEvent) => void;
}

/** Signals of one exchange: `caller` aborts mean cancellation; all others mean timeout. */
export interface ExchangeSignals {
  caller?: AbortSignal;
  /** Turn deadline (and anything else that should count as a timeout). */
  deadline?: AbortSignal;
}

export interface GatewayClient {
  readonly baseUrl: string;
  postResponses(request: BuiltRequest, signals?: ExchangeSignals): Promise<ParsedResponse>;
  /** `GET /v1/models` with the token; resolves with the model ids, throws GatewayError. */
  listModels(timeoutMs: number, signal?: AbortSignal): Promise<string[]>;
  /** Closes pooled connections (in-flight exchanges finish). */
  close(): void;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const baseUrl = options.url.replace(/\/+$/, '');
  const http = options.http ?? createHttpClient();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const secrets = [options.token];

  function classify(err: unknown, phase: 'connect' | 'body', signals: ExchangeSignals, timeoutMs: number): GatewayError {
    if (isGatewayError(err)) return err;
    if (err instanceof HttpBodyError && err.tooLarge) {
      return new GatewayError('invalid_response', `gateway body larger than ${maxBodyBytes} bytes`, { status: err.status });
    }
    if (signals.caller?.aborted) return new GatewayError('aborted', 'gateway request cancelled by the caller', { cause: err });
    const name = (err as { name?: unknown })?.name;
    if (name === 'TimeoutError' || name === 'AbortError' || isHttpTimeout(err) || signals.deadline?.aborted) {
      return new GatewayError('timeout', `gateway did not finish within ${timeoutMs} ms`, { cause: err });
    }
    const code = causeCode(err instanceof HttpBodyError ? err.cause : err);
    if (phase === 'connect') {
      return new GatewayError('unreachable', `gateway unreachable: ${code ?? excerpt(String((err as Error)?.message ?? err), secrets, 80)}`, {
        cause: err,
      });
    }
    const reason = code && NETWORK_CODES.has(code) ? code : excerpt(String(((err instanceof HttpBodyError ? err.cause : err) as Error)?.message ?? err), secrets, 80);
    // Headers arrived, so the gateway took the request; the run may have happened.
    return new GatewayError('invalid_response', `connection lost while reading the gateway body: ${reason}`, { cause: err });
  }

  async function exchange(
    endpoint: ExchangeEvent['endpoint'],
    path: string,
    init: { method: string; headers: Record<string, string>; body?: Uint8Array },
    signals: ExchangeSignals,
    timeoutMs: number,
  ): Promise<RawAnswer> {
    const started = performance.now();
    // The per-exchange cap is the transport's own timer; the caller's and the turn's signals both abort it.
    const signal = [signals.caller, signals.deadline];
    try {
      if (signals.caller?.aborted) throw signals.caller.reason;
      const res = await http.request(`${baseUrl}${path}`, { ...init, signal, timeoutMs, maxBodyBytes });
      if (res.status >= 300 && res.status <= 399) {
        // Redirects are not followed: the configured URL is wrong (as unreachable as a refused connection).
        throw new GatewayError('unreachable', `gateway unreachable: HTTP ${res.status} redirect (set OPENCLAW_GATEWAY_URL to the gateway itself)`, { status: res.status });
      }
      const contentType = res.headers['content-type'];
      return { status: res.status, contentType: contentType ?? null, body: res.body };
    } catch (err) {
      // A failure after the headers arrived: the gateway took the request, the run may have happened.
      const error = classify(err, err instanceof HttpBodyError ? 'body' : 'connect', signals, timeoutMs);
      options.onExchange?.({ endpoint, outcome: error.kind, seconds: (performance.now() - started) / 1000 });
      throw error;
    }
  }

  return {
    baseUrl,
    close: () => http.close(),

    async postResponses(request, signals = {}) {
      const started = performance.now();
      const answer = await exchange(
        'responses',
        '/v1/responses',
        // Bytes, not text: the request waits here for the whole turn (see HttpRequestInit.body).
        { method: 'POST', headers: request.headers, body: Buffer.from(requestJson(request)) },
        signals,
        options.requestTimeoutMs,
      );
      let outcome: ExchangeOutcome = 'ok';
      try {
        return parseResponsesAnswer(answer, secrets);
      } catch (err) {
        outcome = isGatewayError(err) ? err.kind : 'invalid_response';
        throw err;
      } finally {
        options.onExchange?.({ endpoint: 'responses', outcome, seconds: (performance.now() - started) / 1000 });
      }
    },

    async listModels(timeoutMs, signal) {
      const started = performance.now();
      const answer = await exchange(
        'models',
        '/v1/models',
        { method: 'GET', headers: { accept: 'application/json', ...authHeaders(options.token) } },
        { caller: signal },
        timeoutMs,
      );
      let outcome: ExchangeOutcome = 'ok';
      try {
        if (answer.status === 401 || answer.status === 403) {
          throw new GatewayError('http', `gateway refused the token (HTTP ${answer.status}); check OPENCLAW_GATEWAY_TOKEN`, {
            status: answer.status,
          });
        }
        if (answer.status < 200 || answer.status > 299) {
          throw new GatewayError('http', `GET /v1/models returned HTTP ${answer.status}`, { status: answer.status });
        }
        let json: unknown;
        try {
          json = JSON.parse(answer.body);
        } catch {
          json = undefined;
        }
        const data = (json as { data?: unknown } | undefined)?.data;
        if (!Array.isArray(data)) {
          throw new GatewayError('invalid_response', 'GET /v1/models did not return a model list', { status: answer.status });
        }
        return data.map((m) => (typeof m === 'object' && m && typeof (m as { id?: unknown }).id === 'string' ? (m as { id: string }).id : '')).filter(Boolean);
      } catch (err) {
        outcome = isGatewayError(err) ? err.kind : 'invalid_response';
        throw err;
      } finally {
        options.onExchange?.({ endpoint: 'models', outcome, seconds: (performance.now() - started) / 1000 });
      }
    },
  };
}
