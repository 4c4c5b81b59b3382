/**
 * One call to a `service/actions:*` function through the real ConvexHttpClient
 * (`convex/browser`). The client gets a fetch that applies the request deadline
 * (AbortSignal, covering the body too) and records what the wire did, so a
 * failure can be classified without reading its message.
 */
import { ConvexHttpClient } from 'convex/browser';
import { makeFunctionReference } from 'convex/server';
import { classifyFailure, type CallProbe } from './errors.ts';

export const SERVICE_MODULE = 'service/actions';

export interface ConvexCallerOptions {
  url: string;
  requestTimeoutMs: number;
  /** Injected fetch (tests); defaults to the global one. */
  fetch?: typeof globalThis.fetch;
}

export interface ConvexCaller {
  /** Calls `service/actions:<fn>` with `args`; throws a classified BackendError. */
  call(fn: string, args: Record<string, unknown>): Promise<unknown>;
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export function createConvexCaller(options: ConvexCallerOptions): ConvexCaller {
  const baseFetch = options.fetch ?? globalThis.fetch;
  return {
    async call(fn, args) {
      const probe: CallProbe = { timedOut: false, networkError: false };
      const controller = new AbortController();
      const timer = setTimeout(() => {
        probe.timedOut = true;
        controller.abort(new Error(`request timed out after ${options.requestTimeoutMs} ms`));
      }, options.requestTimeoutMs);

      const probedFetch: typeof globalThis.fetch = async (input, init) => {
        const signal = init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
        let response: Response;
        try {
          response = await baseFetch(input, { ...init, signal });
        } catch (err) {
          probe.networkError = true;
          throw err;
        }
        probe.httpStatus = response.status;
        let text: string;
        try {
          text = await response.text();
        } catch (err) {
          probe.networkError = true;
          throw err;
        }
        probe.envelope = envelopeOf(text);
        const body = NULL_BODY_STATUSES.has(response.status) ? null : text;
        return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
      };

      // A client per call: it is a plain object, and a per-call fetch keeps each probe private.
      const client = new ConvexHttpClient(options.url, { fetch: probedFetch, logger: false });
      const ref = makeFunctionReference<'action'>(`${SERVICE_MODULE}:${fn}`);
      const deadline = new Promise<never>((_, reject) => {
        controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
      });
      try {
        return await Promise.race([client.action(ref, args), deadline]);
      } catch (err) {
        throw classifyFailure(fn, err, probe);
      } finally {
        clearTimeout(timer);
        // Nobody awaits `deadline` once the call settled; keep a late rejection from surfacing.
        deadline.catch(() => {});
      }
    },
  };
}

function envelopeOf(text: string): CallProbe['envelope'] {
  try {
    const parsed = JSON.parse(text) as { status?: unknown };
    if (parsed && parsed.status === 'success') return 'success';
    if (parsed && parsed.status === 'error') return 'error';
  } catch {
    // not JSON
  }
  return 'invalid';
}
