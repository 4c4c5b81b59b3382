/**
 * Keeps the delivery store bounded: after a complete list, the retry rows of notifications that
 * ended another way (delivered by another process, deleted) go; once an hour, dead letters, tool-call
 * ledger entries and attempt history past their retention go too. Failures are logged, never thrown:
 * the next complete list tries again.
 */
import type { Logger } from 'pino';
import type { Id } from '../../core/ports/domain.ts';
import type { DeliveryStore } from './store.ts';

const PRUNE_EVERY_MS = 3_600_000;

export class StoreHousekeeping {
  readonly #store: DeliveryStore;
  readonly #log: Logger;
  readonly #opts: { backoffMaxMs: number; deadLetterRetentionMs: number };
  #lastPruneAt = 0;

  constructor(store: DeliveryStore, log: Logger, opts: { backoffMaxMs: number; deadLetterRetentionMs: number }) {
    this.#store = store;
    this.#log = log;
    this.#opts = opts;
  }

  /** `stillKnown`: ids the loop still holds (listed, running, just ended), whose retry rows stay. */
  run(now: number, asOf: number, stillKnown: (id: Id) => boolean): void {
    try {
      const pruned = this.#store.pruneRetries((id) => !stillKnown(id), now - this.#opts.backoffMaxMs);
      if (pruned > 0) this.#log.info({ pruned }, 'dropped retry state of notifications that ended elsewhere');
      if (now - this.#lastPruneAt >= PRUNE_EVERY_MS) {
        this.#lastPruneAt = now;
        const dead = this.#store.pruneDeadLetters(now - this.#opts.deadLetterRetentionMs);
        if (dead > 0) this.#log.info({ pruned: dead }, 'dropped dead letters past their retention');
        const calls = this.#store.toolCalls.prune();
        const attempts = this.#store.attempts.prune(now);
        if (calls + attempts > 0) this.#log.info({ toolCalls: calls, attempts }, 'dropped tool-call ledger entries and attempt history past their retention');
      }
    } catch (err) {
      this.#log.warn({ err, asOf }, 'delivery store housekeeping failed; will try again');
    }
  }
}
