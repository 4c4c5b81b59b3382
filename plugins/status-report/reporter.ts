/**
 * Periodic status reports to the backend (updateRuntimeStatus). The backend
 * marks a runtime offline after 90 s without a report and tells every member,
 * so reports go out at start (not after one interval), at most every 60 s, and
 * carry the real state: `online` only when ready, every check passes and
 * every plugin runs; `degraded` otherwise. `offline` is sent once, after the drain.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import type { BackendPort } from '../../core/ports/backend.ts';
import type { RuntimeConfigReport, RuntimeStatus } from '../../core/ports/domain.ts';
import type { Readiness } from '../../core/plugin.ts';
import type { PluginReport } from '../../core/kernel.ts';
import { withTimeout } from '../../core/timeout.ts';
import type { RuntimeIdentity } from '../runtime-info/service.ts';

export interface ReporterOptions {
  intervalMs: number;
  reportTimeoutMs: number;
  /** At start, wait up to this long for readiness so a gateway still being probed is not reported degraded. */
  initialGraceMs: number;
}

export interface ReporterDeps {
  backend: Pick<BackendPort, 'updateRuntimeStatus'>;
  identity(): RuntimeIdentity;
  readiness(): Promise<Readiness>;
  plugins(): PluginReport[];
  clock: Clock;
  logger: Logger;
  /** Called after every attempt (metrics). */
  onAttempt?(status: RuntimeStatus, ok: boolean, readiness: Readiness | undefined): void;
}

export interface LastReport {
  status: RuntimeStatus;
  at: number;
  ok: boolean;
  error?: string;
  reasons: string[];
}

/** Why the runtime is not fully well (empty means `online`): readiness reasons, failing non-critical checks, optional plugins down. */
export function degradedReasons(r: Readiness, plugins: PluginReport[]): string[] {
  const reasons = [...r.reasons];
  for (const c of r.checks) if (!c.ok && !c.critical) reasons.push(`${c.name}: ${c.detail ?? 'not ok'}`);
  for (const p of plugins) if (!p.required && (p.state === 'failed' || p.state === 'skipped')) reasons.push(`plugin ${p.id} is ${p.state}`);
  return reasons;
}


export function configReport(id: RuntimeIdentity, now: number): RuntimeConfigReport {
  const config: RuntimeConfigReport = {
    dropletId: id.dropletId,
    // Required by the contract; unknown unless DROPLET_IP says otherwise (a container cannot see its public address).
    ipAddress: id.ipAddress ?? 'unknown',
    lastHealthCheck: now,
    runtimeServiceVersion: id.runtimeVersion,
  };
  if (id.region) config.region = id.region;
  // Omitted rather than "unknown": a made-up value would never match an upgrade target.
  if (id.openclawVersion) config.openclawVersion = id.openclawVersion;
  return config;
}

function describe(err: unknown): string {
  const e = err as { kind?: string; message?: string };
  return `${e?.kind ? `${e.kind}: ` : ''}${e?.message ?? String(err)}`.slice(0, 300);
}

export class StatusReporter {
  readonly #options: ReporterOptions;
  readonly #deps: ReporterDeps;
  #last: LastReport | undefined;
  #lastSentStatus: RuntimeStatus | undefined;
  #consecutiveFailures = 0;
  #reports = 0;

  constructor(options: ReporterOptions, deps: ReporterDeps) {
    this.#options = options;
    this.#deps = deps;
  }

  get last(): LastReport | undefined {
    return this.#last;
  }

  snapshot(): Record<string, unknown> {
    const l = this.#last;
    return {
      intervalMs: this.#options.intervalMs,
      reports: this.#reports,
      consecutiveFailures: this.#consecutiveFailures,
      last: l ? { status: l.status, at: new Date(l.at).toISOString(), ok: l.ok, error: l.error ?? null, reasons: l.reasons } : null,
    };
  }

  /** Reports until `signal` aborts: first at once (after the readiness grace), then every interval. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock } = this.#deps;
    const graceUntil = clock.now() + this.#options.initialGraceMs;
    try {
      while (clock.now() < graceUntil && !(await this.#deps.readiness().then((r) => r.ready, () => false))) {
        await clock.sleep(Math.min(250, graceUntil - clock.now()), signal);
      }
      while (!signal.aborted) {
        await this.reportOnce();
        await clock.sleep(this.#options.intervalMs, signal);
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  }

  /** One report with the current state; never throws. */
  async reportOnce(): Promise<void> {
    let readiness: Readiness | undefined;
    let reasons = ['readiness evaluation failed'];
    try {
      readiness = await this.#deps.readiness();
      reasons = degradedReasons(readiness, this.#deps.plugins());
    } catch (err) {
      this.#deps.logger.warn({ err }, 'readiness evaluation failed; reporting degraded');
    }
    await this.#send(reasons.length === 0 ? 'online' : 'degraded', reasons, readiness);
  }

  /** The final report; the caller ensures the loop has ended so no `online` can land after it. */
  async offline(): Promise<boolean> {
    return this.#send('offline', ['shutting down'], undefined);
  }

  async #send(status: RuntimeStatus, reasons: string[], readiness: Readiness | undefined): Promise<boolean> {
    const { clock, logger, backend } = this.#deps;
    const now = clock.now();
    const config = configReport(this.#deps.identity(), now);
    try {
      await withTimeout(backend.updateRuntimeStatus({ status, config }), this.#options.reportTimeoutMs, `updateRuntimeStatus timed out after ${this.#options.reportTimeoutMs} ms`);
      if (this.#consecutiveFailures > 0) logger.info({ failures: this.#consecutiveFailures }, 'status reports reach the backend again');
      if (status !== this.#lastSentStatus) {
        const level = status === 'degraded' ? 'warn' : 'info';
        logger[level]({ status, previous: this.#lastSentStatus ?? null, reasons: status === 'degraded' ? reasons : undefined }, `runtime status reported: ${status}`);
      }
      this.#lastSentStatus = status;
      this.#consecutiveFailures = 0;
      this.#reports += 1;
      this.#last = { status, at: now, ok: true, reasons };
      this.#deps.onAttempt?.(status, true, readiness);
      return true;
    } catch (err) {
      this.#consecutiveFailures += 1;
      const error = describe(err);
      // One line per outage, then every tenth failure: a down backend must not flood the log.
      if (this.#consecutiveFailures === 1 || this.#consecutiveFailures % 10 === 0) {
        logger.warn({ status, failures: this.#consecutiveFailures, error }, 'status report failed');
      }
      this.#last = { status, at: now, ok: false, error, reasons };
      this.#deps.onAttempt?.(status, false, readiness);
      return false;
    }
  }
}
