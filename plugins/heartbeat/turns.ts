/**
 * Heartbeats beside deliveries (core/ports/agent-turns.ts): a heartbeat never
 * starts for an agent with notifications queued, in flight or waiting for a
 * retry. It waits for the provider's `onIdle` instead (a slow re-check covers a
 * missed event), and gives up only when shutdown begins.
 */
import type { AgentTurns } from '../../core/ports/agent-turns.ts';
import type { Id } from '../../core/ports/domain.ts';

/** Re-check `busy` at least this often while waiting, in case an idle event was missed. */
export const IDLE_RECHECK_MS = 30_000;

/**
 * Resolves at the agent's next idle event, the next re-check, or when `signal`
 * aborts, whichever comes first. The caller re-checks `busy` itself, in the same
 * tick as it takes the hold, so nothing can slip in between.
 */
export function nextIdleChance(turns: AgentTurns, agentId: Id, signal: AbortSignal, recheckMs = IDLE_RECHECK_MS): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    let off: () => void = () => {};
    const done = () => {
      off();
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, recheckMs);
    timer.unref?.();
    signal.addEventListener('abort', done, { once: true });
    off = turns.onIdle((id) => {
      if (id === agentId) done();
    });
  });
}
