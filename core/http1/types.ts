/**
 * The public shapes of the runtime's HTTP client (re-exported by
 * core/http-client.ts) and the errors both transports raise.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  /**
   * Text is sent utf8. A caller that keeps its request around for long (a gateway turn waits
   * seconds for its answer) passes bytes: a Buffer lives outside V8's heap, so the collector
   * neither copies nor promotes it while the exchange waits.
   */
  body?: string | Uint8Array;
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
  headers: IncomingHttpHeaders;
  body: string;
}

export interface HttpClient {
  request(url: string | URL, init?: HttpRequestInit): Promise<HttpAnswer>;
  /** Closes pooled sockets (in-flight requests finish). */
  close(): void;
}

export const DEFAULT_MAX_BODY = 64 * 1024 * 1024;

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

/** Is `err` (or the body failure it caused) the exchange's own deadline? */
export function isHttpTimeout(err: unknown): boolean {
  const e = err instanceof HttpBodyError ? err.cause : err;
  return (e as { name?: unknown } | null)?.name === 'TimeoutError';
}

export function timeoutError(ms: number): Error {
  const err = new Error(`no complete answer within ${ms} ms`);
  err.name = 'TimeoutError';
  return err;
}

export function abortError(signal: AbortSignal): Error {
  const err = new Error('The operation was aborted', { cause: signal.reason });
  err.name = 'AbortError';
  return err;
}

const NO_SIGNALS: readonly AbortSignal[] = Object.freeze([]);

/** The signals of `init`, without the undefined ones. */
export function signalsOf(init: HttpRequestInit): readonly AbortSignal[] {
  const s = init.signal;
  if (s === undefined) return NO_SIGNALS;
  if (!Array.isArray(s)) return [s as AbortSignal];
  return (s as readonly (AbortSignal | undefined)[]).filter((x): x is AbortSignal => x !== undefined);
}

/** A body failure of an answer with `status`, keeping an HttpBodyError as it is. */
export function bodyFailure(cause: unknown, status: number): HttpBodyError {
  if (cause instanceof HttpBodyError) return cause;
  return new HttpBodyError(`reading the response body failed: ${(cause as Error)?.message ?? cause}`, status, { cause });
}

export function tooLargeError(maxBytes: number, status: number): HttpBodyError {
  return new HttpBodyError(`response body larger than ${maxBytes} bytes`, status, { tooLarge: true });
}
