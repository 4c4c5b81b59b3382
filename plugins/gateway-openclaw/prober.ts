/**
 * Readiness of the gateway as a small state machine (unknown → up/down). An
 * HTTP probe (`GET /v1/models` with the token) decides, not a TCP connect: a
 * port that accepts connections may still be a gateway that is starting or that
 * refuses our token. Logs once per transition, never once per probe, and probes
 * faster (with backoff) while the gateway is down so recovery is noticed soon.
 */
import type { Clock } from '../../core/clock.ts';
import { GatewayError, type GatewayStatus } from '../../core/ports/gateway.ts';

export interface ProberLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface ProberOptions {
  /** One readiness check; resolves when ready, throws (ideally a GatewayError) otherwise. */
  check(signal: AbortSignal): Promise<void>;
  clock: Clock;
  logger: ProberLogger;
  /** Probe period while up. */
  intervalMs: number;
  /** First retry delay while down; doubles per failure up to `intervalMs`. */
  downRetryMinMs?: number;
  /** Shown in log lines (already free of credentials). */
  target?: string;
  onTransition?(from: GatewayStatus['reachable'], to: GatewayStatus['reachable'], status: GatewayStatus): void;
}

export interface Prober {
  status(): GatewayStatus;
  /** Probes now (joins a probe already in flight) and returns the new status. */
  probe(signal?: AbortSignal): Promise<GatewayStatus>;
  /** Feeds the outcome of a real request: success proves `up`; no answer or a refused token means `down`. */
  observe(ok: boolean, error?: GatewayError): void;
  start(): void;
  stop(): Promise<void>;
}

const MAX_ERROR = 200;

function reasonOf(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > MAX_ERROR ? `${message.slice(0, MAX_ERROR)}…` : message;
}

export function createProber(options: ProberOptions): Prober {
  const { clock, logger } = options;
  const downRetryMinMs = Math.min(options.downRetryMinMs ?? 1000, options.intervalMs);
  let state: GatewayStatus = { reachable: 'unknown' };
  let failures = 0;
  let downSince: number | undefined;
  let inFlight: Promise<GatewayStatus> | undefined;
  let running = false;
  let stopController: AbortController | undefined;
  let wakeController: AbortController | undefined;
  let loopDone: Promise<void> | undefined;

  function transition(next: 'up' | 'down', reason?: string): void {
    const now = clock.now();
    const from = state.reachable;
    if (next === 'up') {
      failures = 0;
      state = { reachable: 'up', lastProbeAt: now, lastSuccessAt: now };
    } else {
      failures += 1;
      state = { reachable: 'down', lastProbeAt: now, lastError: reason, lastSuccessAt: state.lastSuccessAt };
    }
    if (from === next) return;
    const target = options.target;
    if (next === 'up') {
      const downForMs = downSince === undefined ? undefined : now - downSince;
      downSince = undefined;
      logger.info({ target, downForMs }, from === 'down' ? 'gateway reachable again' : 'gateway reachable');
    } else {
      downSince = now;
      logger.warn({ target, reason }, 'gateway unreachable; will keep probing');
    }
    options.onTransition?.(from, next, { ...state });
  }

  async function runCheck(signal?: AbortSignal): Promise<GatewayStatus> {
    try {
      await options.check(signal ?? new AbortController().signal);
      transition('up');
    } catch (err) {
      if (signal?.aborted && !(err instanceof GatewayError && err.kind !== 'aborted')) return { ...state };
      transition('down', reasonOf(err));
      logger.debug({ reason: state.lastError, failures }, 'gateway probe failed');
    }
    return { ...state };
  }

  function probe(signal?: AbortSignal): Promise<GatewayStatus> {
    if (!inFlight) {
      inFlight = runCheck(signal).finally(() => {
        inFlight = undefined;
      });
    }
    return inFlight;
  }

  function nextDelay(): number {
    if (state.reachable === 'up') return options.intervalMs;
    return Math.min(options.intervalMs, downRetryMinMs * 2 ** Math.min(Math.max(failures - 1, 0), 20));
  }

  async function loop(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      await probe(stop);
      if (stop.aborted) return;
      wakeController = new AbortController();
      try {
        await clock.sleep(nextDelay(), AbortSignal.any([stop, wakeController.signal]));
      } catch {
        // woken early or stopped; the loop condition decides.
      }
    }
  }

  return {
    status: () => ({ ...state }),
    probe,
    observe(ok, error) {
      if (ok) {
        if (state.reachable !== 'up') transition('up');
        else state = { ...state, lastSuccessAt: clock.now() };
        return;
      }
      const refusedToken = error?.kind === 'http' && (error.status === 401 || error.status === 403);
      if (error?.kind === 'unreachable' || refusedToken) {
        transition('down', error ? reasonOf(error) : 'request failed');
        wakeController?.abort(); // re-probe with the short delay schedule
      }
    },
    start() {
      if (running) return;
      running = true;
      stopController = new AbortController();
      loopDone = loop(stopController.signal);
    },
    async stop() {
      if (!running) return;
      running = false;
      stopController?.abort();
      await loopDone;
      await inFlight?.catch(() => undefined);
    },
  };
}
