/**
 * The session pool: admitted notifications queue by session key; up to
 * `maxSessions` agent turns run at the gateway in parallel, the items of one
 * session in order. Never two runs of one notification at once: an id is
 * "active" from enqueue until its run's bookkeeping is done, whatever that
 * bookkeeping throws.
 *
 * What `maxSessions` bounds is **turns** (the gateway's and the model's load),
 * not bookkeeping: a run holds a turn slot from its start until its gateway
 * turn ends (`release`), and writes its reply back after that without one, so
 * the next session's turn starts while the backend takes the write-back. A
 * session keeps its order all the same (its runner holds the session until the
 * write-back is done), and at most `2 × maxSessions` runners exist, so a slow
 * backend slows new turns down instead of piling up write-backs.
 *
 * An agent can be held (a heartbeat turn runs for it): its sessions do not
 * start and a running session stops before its next item; the items stay
 * queued and run after the release. Other agents are not held up.
 */
import type { DeliveryContext, Id } from '../../core/ports/domain.ts';

export interface Queued {
  ctx: DeliveryContext;
  enqueuedAt: number;
  /** A replay of a dead letter the operator asked for. */
  replay: boolean;
}

/** What to do after an item ran: go on with the session, or stop it (the rest waits for a later poll). */
export type AfterRun = 'continue' | 'stop';

export interface PoolEvents {
  /**
   * Runs one item; must not throw (the pool treats a throw as `stop`). The run holds a turn slot
   * until it calls `releaseTurn` (when its gateway turn ended) or returns.
   */
  run(item: Queued, releaseTurn: () => void): Promise<AfterRun>;
  /** An id left the pool (ran or was dropped). */
  left(item: Queued): void;
  /** A session runner ended (capacity freed). */
  settled(): void;
  /** Whether sessions may start at all (not stopped, not paused). */
  mayRun(): boolean;
  onError(err: unknown): void;
}

const agentOf = (item: Queued): Id | undefined => item.ctx.agent?._id;

export class SessionPool {
  readonly #max: number;
  readonly #maxRunners: number;
  readonly #events: PoolEvents;
  /** Turn slots taken, and runners waiting for one (oldest first). */
  #turns = 0;
  /** Items that took a turn slot and have not left yet (in their turn or writing back). */
  #started = 0;
  readonly #turnWaiters: Array<() => void> = [];
  readonly #queues = new Map<string, Queued[]>();
  readonly #runners = new Map<string, Promise<void>>();
  readonly #active = new Map<Id, Queued>();
  readonly #held = new Map<Id, number>();

  constructor(maxSessions: number, events: PoolEvents) {
    this.#max = maxSessions;
    this.#maxRunners = 2 * maxSessions;
    this.#events = events;
  }

  has(notificationId: Id): boolean {
    return this.#active.has(notificationId);
  }

  /** Items queued or running. */
  get size(): number {
    return this.#active.size;
  }

  get running(): number {
    return this.#runners.size;
  }

  /** Runs holding a turn slot (at most `maxSessions`). */
  get turns(): number {
    return this.#turns;
  }

  /** Items whose turn has not started (queued, or their runner waits for a turn slot). */
  get waiting(): number {
    return this.#active.size - this.#started;
  }

  /** Active items (queued or running). */
  items(): IterableIterator<Queued> {
    return this.#active.values();
  }

  enqueue(item: Queued): void {
    const key = item.ctx.deliverySessionKey!;
    this.#active.set(item.ctx.notification._id, item);
    const queue = this.#queues.get(key) ?? [];
    queue.push(item);
    this.#queues.set(key, queue);
  }

  isHeld(agentId: Id): boolean {
    return (this.#held.get(agentId) ?? 0) > 0;
  }

  /** Holds an agent until the returned release is called (twice is harmless). */
  hold(agentId: Id): () => void {
    this.#held.set(agentId, (this.#held.get(agentId) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.#held.get(agentId) ?? 1) - 1;
      if (n > 0) this.#held.set(agentId, n);
      else this.#held.delete(agentId);
      this.pump();
    };
  }

  /** Starts session runners while there is capacity. */
  pump(): void {
    if (!this.#events.mayRun()) return;
    for (const [key, queue] of this.#queues) {
      // A runner waiting for a turn slot is enough: more would only queue behind it.
      if (this.#runners.size >= this.#maxRunners || this.#turnWaiters.length > 0) return;
      if (this.#runners.has(key) || queue.length === 0) continue;
      const agent = agentOf(queue[0]);
      if (agent && this.isHeld(agent)) continue;
      const runner = this.#run(key, queue)
        .catch((err: unknown) => this.#events.onError(err))
        .finally(() => {
          this.#runners.delete(key);
          if (queue.length === 0 && this.#queues.get(key) === queue) this.#queues.delete(key);
          this.pump();
          this.#events.settled();
        });
      this.#runners.set(key, runner);
    }
  }

  async #run(key: string, queue: Queued[]): Promise<void> {
    while (queue.length > 0 && this.#events.mayRun()) {
      const agent = agentOf(queue[0]);
      if (agent && this.isHeld(agent)) return;
      await this.#takeTurn();
      // Waiting for the slot may have taken a while: look again before the item starts.
      const blocked = !this.#events.mayRun() || queue.length === 0 || (agentOf(queue[0]) !== undefined && this.isHeld(agentOf(queue[0])!));
      if (blocked) {
        this.#giveTurn();
        return;
      }
      const item = queue.shift()!;
      this.#started++;
      let released = false;
      const releaseTurn = () => {
        if (released) return;
        released = true;
        this.#giveTurn();
        // The slot may let another session start now.
        this.pump();
      };
      let after: AfterRun = 'stop';
      try {
        after = await this.#events.run(item, releaseTurn);
      } catch (err) {
        this.#events.onError(err);
      } finally {
        releaseTurn();
        this.#started--;
        this.#leave(item);
      }
      // Keep a session's order: after a failure the rest waits for a later poll.
      if (after === 'stop') {
        for (const left of queue.splice(0)) this.#leave(left);
        this.#queues.delete(key);
        return;
      }
    }
  }

  /** Resolves when a turn slot is this runner's (FIFO among waiting runners). */
  #takeTurn(): Promise<void> | void {
    if (this.#turns < this.#max && this.#turnWaiters.length === 0) {
      this.#turns++;
      return;
    }
    return new Promise<void>((resolve) => this.#turnWaiters.push(resolve));
  }

  /** Hands the slot to the oldest waiting runner, or frees it. */
  #giveTurn(): void {
    const next = this.#turnWaiters.shift();
    if (next) next();
    else this.#turns--;
  }

  #leave(item: Queued): void {
    const id = item.ctx.notification._id;
    if (this.#active.get(id) === item) this.#active.delete(id);
    this.#events.left(item);
  }

  /** Settles when every runner has ended. */
  drain(): Promise<unknown> {
    return Promise.allSettled([...this.#runners.values()]);
  }
}
