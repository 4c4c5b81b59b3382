/**
 * Which notifications have a row in one of the delivery store's tables, for
 * this runtime's scope, kept in memory so what every notification asks ("is it
 * retrying?", "is it dead-lettered?", "has it open ledger entries to end?")
 * skips SQLite when the answer is no — nearly always.
 *
 * Sound because only the runtime adds rows of its own scope (the data dir's
 * lock keeps a second runtime out); the operator's CLI only removes retry rows
 * and flags dead letters, and records no ledger entries. So an id missing here has no row; an id present
 * here may have lost its row since, and the store reads SQLite to know. What
 * the lock does not keep out (docs/delivery.md: a runtime frozen past its lease
 * that resumes, a data dir that could not be locked, one store file shared by
 * two data dirs) can add rows this set learns of only at the next start.
 */
export class KnownRows {
  readonly #load: () => Iterable<string>;
  #ids: Set<string> | undefined;

  /** `load` reads the ids from SQLite (on first use, and again after `reset`). */
  constructor(load: () => Iterable<string>) {
    this.#load = load;
  }

  /** false: certainly no row. true: maybe (or the ids could not be read): ask SQLite. */
  mayHave(id: string): boolean {
    const ids = this.#seeded();
    return ids === undefined || ids.has(id);
  }

  add(id: string): void {
    this.#seeded()?.add(id);
  }

  delete(id: string): void {
    this.#ids?.delete(id);
  }

  /** Rows were removed in bulk (a prune): read the ids again on next use. */
  reset(): void {
    this.#ids = undefined;
  }

  #seeded(): Set<string> | undefined {
    if (this.#ids === undefined) {
      try {
        this.#ids = new Set(this.#load());
      } catch {
        return undefined;
      }
    }
    return this.#ids;
  }
}
