/**
 * Agent turns: one agent never runs two turns at once through this runtime.
 *
 * Delivery and heartbeat both start model turns for an agent. Two concurrent
 * turns of one agent on one task duplicate work and can conflict (both may call
 * task_status), so they coordinate through this port:
 *
 * - the provider (the `delivery` plugin) knows which agents have notifications
 *   queued, in flight or waiting for a retry, and on which tasks;
 * - a heartbeat asks `busy(agentId)` before it starts and is deferred when busy;
 *   while it runs it holds the agent (`hold`), and delivery runs for that agent
 *   wait for the release (other agents are not held up).
 *
 * Without a provider (a deployment with heartbeats but no delivery) there is
 * nothing to coordinate with and heartbeats run on their schedule.
 */
import type { Id } from './domain.ts';

export interface AgentTurns {
  /** True when the agent has a notification queued, in flight or waiting for a retry. */
  busy(agentId: Id): boolean;
  /** Tasks with undelivered notifications for the agent, as far as the provider knows them. */
  pendingTaskIds(agentId: Id): ReadonlySet<Id>;
  /**
   * Hold the agent for a turn that is not a delivery (a heartbeat). Returns the
   * release function; deliveries to that agent that become due meanwhile wait
   * for it. Calling release twice is harmless.
   */
  hold(agentId: Id, reason: string): () => void;
  /** Called by the provider's owner when an agent's pending work drains, so deferred turns can start. */
  onIdle(listener: (agentId: Id) => void): () => void;
  /**
   * Learn now of work the backend has and the provider has not seen (one poll), resolving once it
   * is known: busy() and pendingTaskIds() then cover it. Optional for other providers.
   */
  refresh?(): Promise<void>;
}
