/**
 * Delivery's pause: no new runs while an outage lasts (the gateway or backend does not answer) or
 * while the delivery store cannot record attempts. Resuming is decided here: an outage ends as soon
 * as the gateway is seen up after the pause began — by the gateway plugin's own prober (no network)
 * or by our probe, which backs off on its own counter (not the idle-poll one); a store pause ends
 * when a probe write succeeds (tried at least every STORE_PROBE_MAX_MS: a local write is cheap).
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import type { GatewayPort } from '../../core/ports/gateway.ts';
import { backoffDelay } from './backoff.ts';
import type { DeliveryStore } from './store.ts';

export type PauseKind = 'outage' | 'store';

/** While paused on an unwritable store, it is tried at least this often. */
const STORE_PROBE_MAX_MS = 5_000;

interface State {
  reason: string;
  kind: PauseKind;
  since: number;
  probes: number;
  nextProbeAt: number;
}

export interface PauseDeps {
  gateway: Pick<GatewayPort, 'status' | 'probe'>;
  store: Pick<DeliveryStore, 'probeWrite'>;
  clock: Clock;
  log: Logger;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export class Pause {
  readonly #d: PauseDeps;
  #state: State | undefined;

  constructor(d: PauseDeps) {
    this.#d = d;
  }

  get reason(): string | undefined {
    return this.#state?.reason;
  }

  /** When the next resume check is due (epoch ms), while paused. */
  get nextProbeAt(): number | undefined {
    return this.#state?.nextProbeAt;
  }

  /** Pauses unless already paused (the first reason stands). */
  begin(reason: string, kind: PauseKind = 'outage'): void {
    if (this.#state) return;
    const now = this.#d.clock.now();
    this.#state = { reason, kind, since: now, probes: 0, nextProbeAt: now + this.#d.backoffBaseMs };
    if (kind === 'store') this.#d.log.error({ reason }, 'delivery paused until the delivery store takes writes again');
    else this.#d.log.warn({ reason }, 'delivery paused until the gateway and backend answer again');
  }

  /** True when not paused, or when the pause just ended (logged). */
  async mayResume(now: number): Promise<boolean> {
    const p = this.#state;
    if (!p) return true;
    const ok = p.kind === 'store' ? this.#storeTakesWrites(p, now) : await this.#gatewayUp(p, now);
    if (!ok) return false;
    this.#d.log.info({ reason: p.reason }, 'delivery resumed');
    this.#state = undefined;
    return true;
  }

  #storeTakesWrites(p: State, now: number): boolean {
    if (now < p.nextProbeAt) return false;
    try {
      this.#d.store.probeWrite(now);
      return true;
    } catch (err) {
      p.nextProbeAt = now + Math.min(STORE_PROBE_MAX_MS, backoffDelay(++p.probes, this.#d.backoffBaseMs, this.#d.backoffMaxMs));
      this.#d.log.debug({ err }, 'delivery store still refuses writes');
      return false;
    }
  }

  async #gatewayUp(p: State, now: number): Promise<boolean> {
    const seen = this.#d.gateway.status();
    if (seen.reachable === 'up' && (seen.lastSuccessAt ?? 0) > p.since) return true;
    if (now < p.nextProbeAt) return false;
    const status = await this.#d.gateway.probe().catch(() => undefined);
    if (status?.reachable === 'up') return true;
    p.nextProbeAt = this.#d.clock.now() + backoffDelay(++p.probes, this.#d.backoffBaseMs, this.#d.backoffMaxMs);
    return false;
  }
}
