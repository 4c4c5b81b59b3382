/**
 * The tool-call ledger: mutating tool effects happen once per notification.
 *
 * Delivery is at-least-once (a gateway replays a turn, a failed attempt is
 * retried), so the same mutating call can arrive twice for one notification.
 * The executor asks the ledger of the call's scope before running a mutating
 * tool: a call already recorded with the same tool and the same canonical
 * arguments gets the recorded result back and is not executed again.
 *
 * A scope is one notification (every attempt, and the HTTP fallback under that
 * notification's run tokens) or, for turns without a notification (heartbeats),
 * one run. Only successful executions are recorded: a refused or failed call
 * changed nothing and may be tried again.
 */
import type { ToolResult } from '../tools/registry.ts';

export interface ToolCallKey {
  tool: string;
  /** Canonical JSON of the validated arguments (`canonicalArgs`). */
  args: string;
}

export interface ToolCallLedger {
  /** The recorded result of this call in this scope, if it ran before. */
  lookup(key: ToolCallKey): ToolResult | undefined;
  /** Records a successful execution. */
  record(key: ToolCallKey, result: ToolResult): void;
}

/** An in-memory ledger for one run (turns without a notification). */
export function memoryLedger(): ToolCallLedger {
  const entries = new Map<string, ToolResult>();
  const id = (key: ToolCallKey) => `${key.tool}\u0000${key.args}`;
  return {
    lookup: (key) => entries.get(id(key)),
    record: (key, result) => void entries.set(id(key), result),
  };
}
