/**
 * Delivery counters for /health, fed by `onDelivered`. Kept here (not in the
 * delivery plugin) so /health works with any delivery implementation.
 */
import type { DeliveredEvent, DeliveryOutcomeKind } from '../../core/hooks.ts';

const REASON_MAX = 300;

export interface DeliverySnapshot {
  counters: Record<DeliveryOutcomeKind, number>;
  /** Outcomes `retry` or `dead_lettered` since the last `delivered`/`skipped`. */
  consecutiveFailures: number;
  lastOutcomeAt: string | null;
  lastDeliveredAt: string | null;
  lastError: { at: string; outcome: DeliveryOutcomeKind; notificationType: string; reason: string | null } | null;
}

export class DeliveryStats {
  readonly #counters: Record<DeliveryOutcomeKind, number> = { delivered: 0, skipped: 0, retry: 0, dead_lettered: 0 };
  #consecutiveFailures = 0;
  #lastOutcomeAt: number | undefined;
  #lastDeliveredAt: number | undefined;
  #lastError: { at: number; outcome: DeliveryOutcomeKind; notificationType: string; reason: string | null } | undefined;

  record(event: DeliveredEvent, at: number): void {
    if (!(event.outcome in this.#counters)) return;
    this.#counters[event.outcome] += 1;
    this.#lastOutcomeAt = at;
    if (event.outcome === 'delivered' || event.outcome === 'skipped') {
      this.#consecutiveFailures = 0;
      if (event.outcome === 'delivered') this.#lastDeliveredAt = at;
      return;
    }
    this.#consecutiveFailures += 1;
    // The hook contract says reasons are summaries; truncate anyway so /health stays small.
    const reason = event.reason === undefined ? null : event.reason.slice(0, REASON_MAX);
    this.#lastError = { at, outcome: event.outcome, notificationType: String(event.notificationType).slice(0, 40), reason };
  }

  snapshot(): DeliverySnapshot {
    const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
    return {
      counters: { ...this.#counters },
      consecutiveFailures: this.#consecutiveFailures,
      lastOutcomeAt: iso(this.#lastOutcomeAt),
      lastDeliveredAt: iso(this.#lastDeliveredAt),
      lastError: this.#lastError ? { ...this.#lastError, at: new Date(this.#lastError.at).toISOString() } : null,
    };
  }
}
