/**
 * One call to a `service/actions:*` function through the real ConvexHttpClient
 * (`convex/browser`: its argument encoding, envelope and error handling). The
 * client's transport is ours: a fetch-shaped function over the runtime's
 * keep-alive HTTP client (core/http-client.ts) that applies the request
 * deadline (covering the body too), records what the wire did so a failure
 * can be classified without reading its message, and parses the body once
 * (the envelope check and the client's `json()` share it).
 */
import { ConvexHttpClient } from 'convex/browser';
import { makeFunctionReference, type FunctionReference } from 'convex/server';
import { createHttpClient, isHttpTimeout, type HttpAnswer, type HttpClient } from '../../core/http-client.ts';
import { classifyFailure, type CallProbe } from './errors.ts';

export const SERVICE_MODULE = 'service/actions';

export interface ConvexCallerOptions {
  url: string;
  requestTimeoutMs: number;
  /** HTTP transport (shared keep-alive pool); default: one of its own. */
  http?: HttpClient;
}

export interface ConvexCaller {
  /** Calls `service/actions:<fn>` with `args`; throws a classified BackendError. */
  call(fn: string, args: Record<string, unknown>): Promise<unknown>;
  /** Closes the transport's pooled connections. */
  close(): void;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const NO_JSON = Symbol('no json');

/** The parts of a fetch Response that ConvexHttpClient reads. */
function responseOf(answer: HttpAnswer, json: unknown): Response {
  const body = NULL_BODY_STATUSES.has(answer.status) ? '' : answer.body;
  return {
    ok: answer.status >= 200 && answer.status <= 299,
    status: answer.status,
    statusText: answer.statusText,
    get headers() {
      return new Headers(Object.entries(answer.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])));
    },
    text: async () => body,
    json: async () => (json === NO_JSON ? JSON.parse(body) : json),
  } as unknown as Response;
}

export function createConvexCaller(options: ConvexCallerOptions): ConvexCaller {
  const http = options.http ?? createHttpClient();
  const refs = new Map<string, FunctionReference<'action'>>();
  const refOf = (fn: string) => {
    let ref = refs.get(fn);
    if (!ref) refs.set(fn, (ref = makeFunctionReference<'action'>(`${SERVICE_MODULE}:${fn}`)));
    return ref;
  };
  return {
    async call(fn, args) {
      const probe: CallProbe = { timedOut: false, networkError: false };
      const probedFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
        let answer: HttpAnswer;
        try {
          answer = await http.request(String(input), {
            method: init?.method ?? 'GET',
            headers: init?.headers as Record<string, string> | undefined,
            body: init?.body as string | undefined,
            timeoutMs: options.requestTimeoutMs,
          });
        } catch (err) {
          probe.networkError = true;
          probe.timedOut = isHttpTimeout(err);
          throw err;
        }
        probe.httpStatus = answer.status;
        const json = parseJson(answer.body);
        probe.envelope = envelopeOf(json);
        return responseOf(answer, json);
      };

      // A client per call (a plain object): a per-call fetch keeps each probe private.
      const client = new ConvexHttpClient(options.url, { fetch: probedFetch as typeof globalThis.fetch, logger: false });
      try {
        return await client.action(refOf(fn), args);
      } catch (err) {
        throw classifyFailure(fn, err, probe);
      }
    },
    close: () => http.close(),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NO_JSON;
  }
}

function envelopeOf(parsed: unknown): CallProbe['envelope'] {
  const status = parsed && typeof parsed === 'object' ? (parsed as { status?: unknown }).status : undefined;
  if (status === 'success') return 'success';
  if (status === 'error') return 'error';
  return 'invalid';
}
