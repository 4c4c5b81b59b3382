/**
 * The delivery side of the AgentTurns port (core/ports/agent-turns.ts): which
 * agents have notifications listed, queued, in flight or waiting for a retry,
 * on which tasks; holds that make an agent's delivery runs wait; and idle
 * listeners fired when an agent's pending work drains.
 */
import type { AgentTurns } from '../../core/ports/agent-turns.ts';
import type { Id } from '../../core/ports/domain.ts';

export interface PendingEntry {
  agentId: Id;
  taskId: Id | null;
}

/** Sources of pending work, read on demand. */
export interface PendingSources {
  /** Listed by the last poll and not yet finished; queued or running; waiting for a retry. */
  entries(): Iterable<PendingEntry>;
  hold(agentId: Id): () => void;
}

export class AgentTurnsProvider implements AgentTurns {
  readonly #sources: PendingSources;
  readonly #listeners = new Set<(agentId: Id) => void>();
  /** Agents busy at the last look (announced when they drain). */
  readonly #busyBefore = new Set<Id>();
  #onError: (err: unknown) => void;

  constructor(sources: PendingSources, onError: (err: unknown) => void) {
    this.#sources = sources;
    this.#onError = onError;
  }

  busy(agentId: Id): boolean {
    for (const e of this.#sources.entries()) if (e.agentId === agentId) return true;
    return false;
  }

  pendingTaskIds(agentId: Id): ReadonlySet<Id> {
    const tasks = new Set<Id>();
    for (const e of this.#sources.entries()) if (e.agentId === agentId && e.taskId) tasks.add(e.taskId);
    return tasks;
  }

  hold(agentId: Id, _reason: string): () => void {
    return this.#sources.hold(agentId);
  }

  onIdle(listener: (agentId: Id) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Called after pending work changed: agents busy before and idle now are announced.
   *
   * With `agentId`, only that agent's work ended (a run left the pool, a notification reached its
   * outcome): only it can have drained, so only it is looked at, and the scan stops at its first
   * pending entry. Work is only ever added by a poll, which calls this without an agent (a full look).
   */
  changed(agentId?: Id): void {
    if (agentId !== undefined) {
      if (!this.#busyBefore.has(agentId)) return;
      for (const e of this.#sources.entries()) if (e.agentId === agentId) return;
      this.#busyBefore.delete(agentId);
      this.#announce(agentId);
      return;
    }
    const busy = new Set<Id>();
    for (const e of this.#sources.entries()) busy.add(e.agentId);
    for (const agent of [...this.#busyBefore]) {
      if (busy.has(agent)) continue;
      this.#busyBefore.delete(agent);
      this.#announce(agent);
    }
    for (const agent of busy) this.#busyBefore.add(agent);
  }

  #announce(agentId: Id): void {
    for (const listener of this.#listeners) {
      try {
        listener(agentId);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}
