/**
 * A node:sqlite database that prepares each SQL text once. The delivery store
 * runs a fixed set of statements several times per notification; compiling
 * them again on every call was most of the store's CPU in the bench profile
 * (docs/performance.md). Statements are finalized with the database.
 *
 * Safe because every caller runs a statement to completion (`get`, `all`,
 * `run`) before the next use; nothing here uses `iterate()`.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/** The store's SQL is a fixed set; the cap only guards against a caller building SQL per value. */
const MAX_STATEMENTS = 256;

export class CachedDatabase extends DatabaseSync {
  readonly #statements = new Map<string, StatementSync>();

  override prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= MAX_STATEMENTS) this.#statements.clear();
      statement = super.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  override close(): void {
    this.#statements.clear();
    super.close();
  }
}
