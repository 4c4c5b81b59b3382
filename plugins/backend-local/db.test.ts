import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateServiceToken, parseServiceToken, requireServiceAuth } from './auth.ts';
import { openDatabase, schemaVersion } from './db.ts';
import { newId } from './ids.ts';
import { SCHEMA_VERSION } from './schema.ts';
import { seedDemoAccount } from './seed.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mc-db-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('database file', () => {
  it('creates parent directories, migrates to the current schema version, uses WAL', () => {
    const path = join(dir, 'nested', '.runtime', 'mc.sqlite');
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.get<{ journal_mode: string }>('PRAGMA journal_mode')!.journal_mode).toBe('wal');
    expect(db.get<{ foreign_keys: number }>('PRAGMA foreign_keys')!.foreign_keys).toBe(1);
    expect(db.get<{ timeout: number }>('PRAGMA busy_timeout')!.timeout).toBe(5000);
    db.close();
  });

  it('keeps data across close and reopen, and does not re-run migrations', () => {
    const path = join(dir, 'mc.sqlite');
    const first = openDatabase(path);
    const seed = seedDemoAccount(first);
    first.close();
    const second = openDatabase(path);
    expect(schemaVersion(second)).toBe(SCHEMA_VERSION);
    expect(second.get<{ n: number }>('SELECT count(*) AS n FROM agents WHERE account_id = $a', { a: seed.accountId })!.n).toBe(3);
    expect(seedDemoAccount(second)).toMatchObject({ accountId: seed.accountId, serviceToken: seed.serviceToken, created: false });
    second.close();
  });

  it('refuses a database written by a newer schema, naming both versions', () => {
    const path = join(dir, 'mc.sqlite');
    const db = openDatabase(path);
    db.raw.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openDatabase(path)).toThrow(new RegExp(`schema v${SCHEMA_VERSION + 1} is newer .*v${SCHEMA_VERSION}`));
  });

  it('rolls back a failed transaction completely', () => {
    const db = openDatabase(join(dir, 'mc.sqlite'));
    const seed = seedDemoAccount(db);
    expect(() =>
      db.transaction('write', () => {
        db.run("UPDATE agents SET name = 'changed' WHERE account_id = $a", { a: seed.accountId });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(db.get<{ n: number }>("SELECT count(*) AS n FROM agents WHERE name = 'changed'")!.n).toBe(0);
    expect(db.raw.isTransaction).toBe(false);
    db.close();
  });
});

describe('ids and service tokens', () => {
  it('ids are opaque, prefixed, unique and free of underscores', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('task')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^task[0-9a-z]{16}$/);
  });

  it('tokens are mc_service_{accountId}_{64 hex}; only the hash is checked', () => {
    const { token, hash } = generateServiceToken('acct123');
    expect(token).toMatch(/^mc_service_acct123_[0-9a-f]{64}$/);
    expect(hash).not.toContain(token.slice(-64));
    expect(parseServiceToken(token)).toEqual({ accountId: 'acct123', secret: token.slice(-64) });
    expect(parseServiceToken('mc_service_acct_with_underscores')).toEqual({ accountId: 'acct', secret: 'with_underscores' });
    expect(parseServiceToken('x'.repeat(513))).toEqual({ error: 'length' });
    expect(parseServiceToken('bearer abc')).toEqual({ error: 'format' });
    expect(parseServiceToken('mc_service_only')).toEqual({ error: 'structure' });
  });

  it('requireServiceAuth checks the stored hash and reports each failure as unauthorized', () => {
    const db = openDatabase(join(dir, 'mc.sqlite'));
    const seed = seedDemoAccount(db);
    expect(requireServiceAuth(db, seed.serviceToken)).toEqual({ accountId: seed.accountId });
    db.run('UPDATE accounts SET service_token_hash = NULL WHERE id = $id', { id: seed.accountId });
    expect(() => requireServiceAuth(db, seed.serviceToken)).toThrow(/no service token configured/);
    db.close();
  });
});
