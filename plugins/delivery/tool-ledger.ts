/**
 * The durable tool-call ledger: mutating tool calls executed for a
 * notification, in the delivery store's SQLite file. It outlives attempts and
 * restarts, so a gateway replay inside one turn, a retried attempt or a run
 * after a crash gets the recorded result instead of repeating the effect
 * (core/ports/tool-ledger.ts has the contract).
 *
 * Bounded: entries of a notification that reached its final outcome die after
 * `retentionMs`; entries of notifications that never finished (a crash, then
 * delivered by another runtime) after `maxAgeMs`. Rows carry the local-state
 * scope (backend deployment and account): another scope's rows are never read.
 *
 * A new call runs only while the file takes writes (see `#lookup`): an effect the
 * ledger could not record would run again on the next attempt.
 */
import { nodeCrypto } from '../../core/lazy-crypto.ts';
import type { DatabaseSync } from 'node:sqlite';
import { KnownRows } from './known-rows.ts';
import type { ToolCallKey, ToolCallLedger } from '../../core/ports/tool-ledger.ts';
import type { ToolResult } from '../../core/tools/registry.ts';

export interface LedgerEntry {
  tool: string;
  args: string;
  result: ToolResult;
  at: number;
}

export interface ToolLedgerOptions {
  /** How long entries outlive the notification's final outcome. */
  retentionMs: number;
  /** Hard cap for entries of notifications that never reached an outcome here. */
  maxAgeMs: number;
}

/** Created by the delivery store's migrations (store.ts). */
export const TOOL_CALLS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS tool_calls (
    scope TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    tool TEXT NOT NULL,
    args_hash TEXT NOT NULL,
    args TEXT NOT NULL,
    result TEXT NOT NULL,
    at INTEGER NOT NULL,
    ended_at INTEGER,
    PRIMARY KEY (scope, notification_id, tool, args_hash)
  );
  CREATE INDEX IF NOT EXISTS tool_calls_ended_at ON tool_calls (ended_at);
  CREATE INDEX IF NOT EXISTS tool_calls_at ON tool_calls (at);
  CREATE TABLE IF NOT EXISTS store_probe (k INTEGER PRIMARY KEY, at INTEGER NOT NULL);`;

const hash = (args: string) => nodeCrypto().createHash('sha256').update(args).digest('base64url');

export class ToolLedgerStore {
  readonly #db: DatabaseSync;
  readonly #scope: string | null;
  readonly #now: () => number;
  readonly #opts: ToolLedgerOptions;
  /**
   * Notifications of this scope with entries not yet marked ended (known-rows.ts): every
   * notification ends, most without a mutating call, and this spares them a write.
   */
  readonly #open: KnownRows;

  /** `scope` null: the operator view (reads every scope, records nothing). */
  constructor(db: DatabaseSync, scope: string | null, now: () => number, opts: ToolLedgerOptions) {
    this.#db = db;
    this.#scope = scope;
    this.#now = now;
    this.#opts = opts;
    this.#open = new KnownRows(() =>
      (this.#db.prepare('SELECT DISTINCT notification_id FROM tool_calls WHERE scope = ? AND ended_at IS NULL').all(this.#own()) as Array<{ notification_id: string }>).map(
        (r) => r.notification_id,
      ),
    );
  }

  #own(): string {
    if (this.#scope === null) throw new Error('tool-call ledger opened without a scope: read-only operator view');
    return this.#scope;
  }

  /** The ledger of one notification (every attempt, both tool paths). */
  forNotification(notificationId: string): ToolCallLedger {
    return {
      lookup: (key) => this.#lookup(notificationId, key),
      record: (key, result) => this.#record(notificationId, key, result),
    };
  }

  /** The notification reached its final outcome: its entries expire after the retention window. */
  ended(notificationId: string): void {
    if (!this.#open.mayHave(notificationId)) return;
    this.#db.prepare('UPDATE tool_calls SET ended_at = ? WHERE scope = ? AND notification_id = ? AND ended_at IS NULL').run(this.#now(), this.#own(), notificationId);
    this.#open.delete(notificationId);
  }

  /** Mutating calls recorded for a notification, oldest first. */
  callsOf(notificationId: string): LedgerEntry[] {
    const rows = (
      this.#scope === null
        ? this.#db.prepare('SELECT tool, args, result, at FROM tool_calls WHERE notification_id = ? ORDER BY at').all(notificationId)
        : this.#db.prepare('SELECT tool, args, result, at FROM tool_calls WHERE scope = ? AND notification_id = ? ORDER BY at').all(this.#scope, notificationId)
    ) as Array<Record<string, string | number>>;
    return rows.map((r) => ({ tool: String(r.tool), args: String(r.args), result: JSON.parse(String(r.result)) as ToolResult, at: Number(r.at) }));
  }

  /** Deletes expired entries (every scope); returns how many. */
  prune(): number {
    const now = this.#now();
    return Number(
      this.#db.prepare('DELETE FROM tool_calls WHERE (ended_at IS NOT NULL AND ended_at < ?) OR at < ?').run(now - this.#opts.retentionMs, now - this.#opts.maxAgeMs).changes,
    );
  }

  count(): number {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM tool_calls WHERE scope = ?').get(this.#own()) as { n: number }).n;
  }

  /**
   * The recorded result, or undefined for a call that may run now. A call not seen before runs
   * only if its effect can be recorded afterwards: one small write proves the file takes writes,
   * and when it does not (disk full, read-only) this throws and the executor refuses the call,
   * instead of running an effect that a retry after the disk recovers would repeat.
   */
  #lookup(notificationId: string, key: ToolCallKey): ToolResult | undefined {
    const row = this.#db
      .prepare('SELECT result FROM tool_calls WHERE scope = ? AND notification_id = ? AND tool = ? AND args_hash = ?')
      .get(this.#own(), notificationId, key.tool, hash(key.args)) as { result: string } | undefined;
    if (row) return JSON.parse(row.result) as ToolResult;
    try {
      this.#db.prepare('INSERT INTO store_probe (k, at) VALUES (2, ?) ON CONFLICT(k) DO UPDATE SET at = excluded.at').run(this.#now());
    } catch (err) {
      throw new Error(`the tool-call ledger cannot record now (${(err as Error).message}): a mutating call is not run unrecorded`, { cause: err });
    }
    return undefined;
  }

  #record(notificationId: string, key: ToolCallKey, result: ToolResult): void {
    this.#db
      .prepare(
        `INSERT INTO tool_calls (scope, notification_id, tool, args_hash, args, result, at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT DO UPDATE SET result = excluded.result, at = excluded.at, ended_at = NULL`,
      )
      .run(this.#own(), notificationId, key.tool, hash(key.args), key.args, JSON.stringify(result), this.#now());
    this.#open.add(notificationId);
  }
}
