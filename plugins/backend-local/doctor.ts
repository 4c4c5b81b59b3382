/**
 * `mc-runtime doctor` for the embedded backend: the SQLite file's directory is
 * writable and, when the file exists, it holds the account to serve. Opens the
 * file read-only; never seeds or migrates.
 */
import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import path from 'node:path';
import type { DoctorCheck, DoctorFn } from '../../core/plugin.ts';
import { checkNotHeld, checkWritableDir } from '../../core/cli/doctor-fs.ts';

export const localDoctor: DoctorFn = async ({ options, dataDir, accountId }) => {
  const file = path.resolve((options.path as string | undefined) ?? path.join(dataDir, 'mission-control.sqlite'));
  const checks: DoctorCheck[] = [await checkWritableDir('database directory', path.dirname(file), 'set option path (or RUNTIME_DATA_DIR) to a writable location')];
  if (path.dirname(file) !== dataDir) checks.push(checkNotHeld('database directory', path.dirname(file)));
  if (!existsSync(file)) {
    const seed = options.seed !== false;
    checks.push({
      name: 'database',
      ok: seed,
      detail: seed ? `${file} does not exist yet: the first start creates it and seeds the demo account` : `${file} does not exist and option seed is false`,
      fix: seed ? undefined : 'run "mc-runtime local seed", or enable option seed',
    });
    return checks;
  }
  let accounts: string[];
  try {
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      accounts = (db.prepare('SELECT id FROM accounts').all() as Array<{ id: string }>).map((r) => r.id);
    } finally {
      db.close();
    }
  } catch (err) {
    checks.push({ name: 'database', ok: false, detail: `${file}: ${(err as Error).message}`, fix: 'restore the file from a backup, or move it away to start from a fresh database' });
    return checks;
  }
  const wanted = accountId ?? (options.accountId as string | undefined);
  const ok = wanted ? accounts.includes(wanted) : accounts.length <= 1;
  checks.push({
    name: 'database account',
    ok,
    detail: `${file}: ${accounts.length} account(s)${accounts.length ? ` (${accounts.join(', ')})` : ''}${wanted ? `; ACCOUNT_ID=${wanted}` : ''}`,
    fix: ok ? undefined : wanted ? `ACCOUNT_ID ${wanted} is not in this file: unset it or point option path at the right file` : 'several accounts: set ACCOUNT_ID',
  });
  return checks;
};
