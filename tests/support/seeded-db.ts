/**
 * A temp directory with an embedded-backend database seeded with the demo
 * account, and a way to act on that account (as the operator UI would) from
 * the test process while a runtime uses the same file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLocalBackend } from '../../plugins/backend-local/index.ts';
import { seedDemoAccount, type SeedResult } from '../../plugins/backend-local/seed.ts';
import { withAccount } from '../../plugins/backend-local/admin.ts';
import type { Ctx } from '../../plugins/backend-local/model.ts';

export interface SeededDb {
  dir: string;
  dbPath: string;
  seed: SeedResult;
  /** Runs `fn` in a write transaction on the demo account over a short-lived connection. */
  write<T>(fn: (ctx: Ctx) => T): T;
}

export function seededDb(prefix: string): SeededDb {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const dbPath = path.join(dir, 'mc.sqlite');
  const seeding = openLocalBackend(dbPath);
  const seed = seedDemoAccount(seeding.db);
  seeding.close();
  return {
    dir,
    dbPath,
    seed,
    write<T>(fn: (ctx: Ctx) => T): T {
      const conn = openLocalBackend(dbPath);
      try {
        return withAccount(conn.db, seed.accountId, 'write', fn);
      } finally {
        conn.close();
      }
    },
  };
}
