/**
 * Opening the embedded backend's SQLite file: pragmas, versioned migrations and
 * transactions. Everything else reaches the database through `Db`.
 *
 * Durability and concurrency: WAL journal, `synchronous = FULL` (a committed
 * transaction survives a crash of the process and of the machine), a busy
 * timeout so concurrent processes wait for the write lock instead of failing,
 * and write transactions opened with BEGIN IMMEDIATE so a reader never has to
 * upgrade to a writer mid-transaction (which SQLite cannot wait for).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';

export const DEFAULT_DB_PATH = '.runtime/mission-control.sqlite';

export interface OpenOptions {
  /** How long a writer waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

export type Row = Record<string, SQLInputValue>;
type Params = Record<string, SQLInputValue | undefined>;

/** A thin wrapper: cached statements, `undefined` bound as NULL, transactions. */
export class Db {
  readonly raw: DatabaseSync;
  readonly path: string;
  readonly #statements = new Map<string, StatementSync>();

  constructor(raw: DatabaseSync, path: string) {
    this.raw = raw;
    this.path = path;
  }

  #stmt(sql: string): StatementSync {
    let s = this.#statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.#statements.set(sql, s);
    }
    return s;
  }

  get<T>(sql: string, params: Params = {}): T | undefined {
    return this.#stmt(sql).get(bind(params)) as T | undefined;
  }

  all<T>(sql: string, params: Params = {}): T[] {
    return this.#stmt(sql).all(bind(params)) as T[];
  }

  run(sql: string, params: Params = {}): { changes: number } {
    const r = this.#stmt(sql).run(bind(params));
    return { changes: Number(r.changes) };
  }

  /**
   * Runs `fn` in one transaction and commits, or rolls back if it throws.
   * `write` takes the write lock up front (BEGIN IMMEDIATE); reads get a
   * consistent snapshot (BEGIN DEFERRED). Not re-entrant: callers compose
   * plain functions inside one transaction instead of nesting.
   */
  transaction<T>(mode: 'read' | 'write', fn: () => T): T {
    if (this.raw.isTransaction) throw new Error('nested transaction');
    this.raw.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    try {
      const result = fn();
      this.raw.exec('COMMIT');
      return result;
    } catch (err) {
      if (this.raw.isTransaction) this.raw.exec('ROLLBACK');
      throw err;
    }
  }

  close(): void {
    this.#statements.clear();
    if (this.raw.isOpen) this.raw.close();
  }
}

function bind(params: Params): Record<string, SQLInputValue> {
  const out: Record<string, SQLInputValue> = {};
  for (const [k, v] of Object.entries(params)) out[k] = v === undefined ? null : v;
  return out;
}

/** Opens (creating if needed) and migrates the database at `path` (`:memory:` works). */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const raw = new DatabaseSync(path, { timeout: busyTimeoutMs, enableForeignKeyConstraints: true });
  const db = new Db(raw, path);
  try {
    raw.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(busyTimeoutMs))}`);
    if (path !== ':memory:') {
      const mode = db.get<{ journal_mode: string }>('PRAGMA journal_mode = WAL');
      if (mode?.journal_mode !== 'wal') throw new Error(`could not enable WAL (journal_mode=${mode?.journal_mode})`);
    }
    raw.exec('PRAGMA synchronous = FULL');
    raw.exec('PRAGMA foreign_keys = ON');
    migrate(db);
  } catch (err) {
    db.close();
    throw new Error(`cannot open embedded backend database ${path}: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

export function schemaVersion(db: Db): number {
  return db.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0;
}

/**
 * Applies pending migrations, each in its own write transaction. The version is
 * re-read under the write lock so two processes opening a fresh file at once
 * do not both apply the same migration.
 */
function migrate(db: Db): void {
  for (;;) {
    const applied = db.transaction('write', () => {
      const version = schemaVersion(db);
      if (version > SCHEMA_VERSION) {
        throw new Error(`database schema v${version} is newer than this runtime supports (v${SCHEMA_VERSION})`);
      }
      if (version === SCHEMA_VERSION) return false;
      db.raw.exec(MIGRATIONS[version]);
      db.raw.exec(`PRAGMA user_version = ${version + 1}`);
      return true;
    });
    if (!applied) return;
  }
}

/** Parses a JSON text column; `null` stays `undefined`. */
export function json<T>(value: unknown): T | undefined {
  return typeof value === 'string' ? (JSON.parse(value) as T) : undefined;
}

/** Copies `obj` without keys whose value is null or undefined (Convex documents omit unset fields). */
export function compact<T extends object>(obj: { [K in keyof T]: T[K] | null }): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== null && v !== undefined) out[k] = v;
  return out as T;
}
