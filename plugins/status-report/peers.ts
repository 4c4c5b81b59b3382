/**
 * Detects a second runtime serving the same account (docs/high-availability.md).
 *
 * The backend contract has no lease and no way to read other instances' status,
 * so the only shared state is the notification queue itself. A runtime marks a
 * notification read (`readAt`, set once) when it starts running it. When this
 * runtime is asked to admit a notification it never admitted before and
 * `readAt` (or `deliveredAt`) was set after this runtime started, some other
 * process picked it up: another runtime on this account. A previous life of
 * this runtime (crash, restart) marked its notifications before this one
 * started, so it is never mistaken for a peer; `skewMs` absorbs clock skew
 * between the backend and this host.
 *
 * Evidence is counted, logged loudly (first time, then at most once per
 * `holdMs`), and keeps the non-critical check failing for `holdMs` after the
 * last evidence, so `/health` and the status report say `degraded`.
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.ts';
import type { Notification } from '../../core/ports/domain.ts';

export interface PeerDetectorOptions {
  startedAt: number;
  skewMs: number;
  holdMs: number;
  /** How many admitted notification ids to remember (oldest forgotten first). */
  maxTracked?: number;
}

export interface PeerEvidence {
  at: number;
  notificationId: string;
  field: 'readAt' | 'deliveredAt';
  value: number;
}

export class PeerDetector {
  readonly #opts: PeerDetectorOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #onEvidence: (e: PeerEvidence) => void;
  readonly #admitted = new Set<string>();
  #evidence = 0;
  #last: PeerEvidence | undefined;
  #lastLoggedAt = -Infinity;

  constructor(opts: PeerDetectorOptions, clock: Clock, logger: Logger, onEvidence: (e: PeerEvidence) => void = () => {}) {
    this.#opts = opts;
    this.#clock = clock;
    this.#log = logger;
    this.#onEvidence = onEvidence;
  }

  /** Called for every notification this runtime admits (before it marks it read). */
  admitted(n: Notification): void {
    const id = n._id;
    if (!this.#admitted.has(id)) {
      const threshold = this.#opts.startedAt + this.#opts.skewMs;
      const field = n.deliveredAt !== undefined && n.deliveredAt > threshold ? 'deliveredAt' : n.readAt !== undefined && n.readAt > threshold ? 'readAt' : undefined;
      if (field) this.#record({ at: this.#clock.now(), notificationId: id, field, value: n[field]! });
    }
    this.#remember(id);
  }

  #remember(id: string): void {
    this.#admitted.delete(id);
    this.#admitted.add(id);
    const max = this.#opts.maxTracked ?? 50_000;
    while (this.#admitted.size > max) this.#admitted.delete(this.#admitted.values().next().value!);
  }

  #record(e: PeerEvidence): void {
    this.#evidence += 1;
    this.#last = e;
    this.#onEvidence(e);
    if (e.at - this.#lastLoggedAt >= this.#opts.holdMs) {
      this.#lastLoggedAt = e.at;
      this.#log.error(
        { notificationId: e.notificationId, field: e.field, value: new Date(e.value).toISOString(), evidence: this.#evidence },
        'another runtime appears to serve this account: a notification this runtime never ran was picked up after it started; ' +
          'notifications will be delivered twice. Run exactly one runtime per account (docs/high-availability.md)',
      );
    }
  }

  /** True while the last evidence is younger than `holdMs`. */
  get suspected(): boolean {
    return this.#last !== undefined && this.#clock.now() - this.#last.at < this.#opts.holdMs;
  }

  detail(): string {
    const e = this.#last;
    if (!e) return 'no other runtime seen';
    return `another runtime appears to serve this account: notification ${e.notificationId} had ${e.field} ${new Date(e.value).toISOString()} set by another process (${this.#evidence} evidence so far)`;
  }

  snapshot(): Record<string, unknown> {
    const e = this.#last;
    return {
      suspected: this.suspected,
      evidence: this.#evidence,
      last: e ? { at: new Date(e.at).toISOString(), notificationId: e.notificationId, field: e.field, value: new Date(e.value).toISOString() } : null,
    };
  }
}
