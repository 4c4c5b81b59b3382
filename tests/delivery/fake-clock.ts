/**
 * A fake Clock (core/clock.ts) for behaviour tests: time moves only when the
 * test advances it; sleepers wake in time order, and between wake-ups the
 * test's real I/O-free work (embedded backend calls, hooks) is let run.
 */
import type { Clock } from '../../core/clock.ts';

interface Sleeper {
  at: number;
  resolve: () => void;
}

const tick = () => new Promise<void>((r) => setImmediate(r));

export class FakeClock implements Clock {
  #t = Date.UTC(2026, 10, 30, 9, 0, 0);
  #sleepers: Sleeper[] = [];

  now = (): number => this.#t;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      // Zero delay does not depend on time: it runs on the next turn of the event loop.
      if (ms <= 0) return void setImmediate(resolve);
      const sleeper: Sleeper = {
        at: this.#t + Math.max(0, ms),
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        this.#sleepers = this.#sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#sleepers.push(sleeper);
    });

  /** Lets pending promise chains and immediates run. */
  async settle(rounds = 20): Promise<void> {
    for (let i = 0; i < rounds; i++) await tick();
  }

  /** Moves time forward by `ms`, waking every sleeper due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const end = this.#t + ms;
    await this.settle();
    for (;;) {
      this.#sleepers.sort((a, b) => a.at - b.at);
      const next = this.#sleepers[0];
      if (!next || next.at > end) break;
      this.#sleepers.shift();
      this.#t = Math.max(this.#t, next.at);
      next.resolve();
      await this.settle();
    }
    this.#t = end;
  }
}
