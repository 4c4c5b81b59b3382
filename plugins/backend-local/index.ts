/**
 * Plugin `backend-local`: the backend port on an embedded SQLite file, the
 * local-development default. On first start with an empty database it seeds
 * the demo account, so `npm start` has agents and a token to work with.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { Type } from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { localDoctor } from './doctor.ts';
import { localCommands } from './commands.ts';
import { BackendService } from '../../core/services.ts';
import { meterBackend } from '../../core/backend-metrics.ts';
import { BACKEND_FUNCTIONS, BackendError, type BackendPort } from '../../core/ports/backend.ts';
import { listAccounts, storedServiceToken } from './admin.ts';
import { openDatabase, schemaVersion, type Db } from './db.ts';
import { createLocalPort } from './port.ts';
import { seedDemoAccount } from './seed.ts';
import { createLocalService, type LocalService } from './service.ts';

export const DEFAULT_DB_FILE = 'mission-control.sqlite';

const configSchema = Type.Object(
  {
    path: Type.Optional(
      Type.String({ minLength: 1, description: `SQLite file; relative paths resolve from the working directory. Default <dataDir>/${DEFAULT_DB_FILE}` }),
    ),
    accountId: Type.Optional(Type.String({ minLength: 1, description: 'Account to serve; default ACCOUNT_ID, else the only account in the file' })),
    seed: Type.Optional(Type.Boolean({ default: true, description: 'Seed the demo account when the database has no account' })),
    busyTimeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, default: 5000, description: 'Wait for another writer up to this long' })),
  },
  { additionalProperties: false },
);

export interface LocalBackend {
  db: Db;
  service: LocalService;
  close(): void;
}

/** Opens the database and the service over it (tests, CLI, wire server). */
export function openLocalBackend(path: string, options: { now?: () => number; busyTimeoutMs?: number } = {}): LocalBackend {
  const db = openDatabase(path, { busyTimeoutMs: options.busyTimeoutMs });
  return { db, service: createLocalService(db, { now: options.now }), close: () => db.close() };
}

export default definePlugin({
  id: 'backend-local',
  version: '0.1.0',
  description: 'Mission Control backend on an embedded SQLite file (local development)',
  provides: ['backend'],
  configSchema,
  doctor: localDoctor,
  commands: localCommands,
  register(api, options) {
    const path = options.path
      ? isAbsolute(options.path)
        ? options.path
        : resolve(process.cwd(), options.path)
      : join(api.runtime.dataDir, DEFAULT_DB_FILE);
    // The port is provided now; the file is opened (and seeded) in start, so registering has no side effects.
    let opened: { backend: LocalBackend; port: BackendPort; accountId: string } | undefined;
    const port = deferredPort(() => opened?.port);
    api.provide(BackendService, meterBackend(port, api.metrics));
    api.health.check('reachable', async () => {
      if (!opened) return { ok: false, pending: true, detail: 'embedded backend not started' };
      try {
        await opened.port.getOrchestratorAgentId();
        return { ok: true };
      } catch (err) {
        return { ok: false, detail: `embedded backend query failed: ${(err as Error).message}` };
      }
    });
    api.health.status(() => ({ path, accountId: opened?.accountId ?? null, schemaVersion: opened ? schemaVersion(opened.backend.db) : null }));
    return {
      start() {
        const backend = openLocalBackend(path, { now: api.clock.now, busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
        try {
          const { accountId, serviceToken } = resolveAccount(backend.db, api.runtime.accountId ?? options.accountId, options.seed ?? true, path, (msg) =>
            api.logger.info(msg),
          );
          api.secret(serviceToken);
          opened = { backend, accountId, port: createLocalPort(backend.service, { accountId, serviceToken }) };
          api.logger.info({ path, accountId }, 'embedded backend ready');
        } catch (err) {
          backend.close();
          throw err;
        }
      },
      stop() {
        opened?.backend.close();
        opened = undefined;
      },
    };
  },
});

/** A BackendPort whose calls go to the opened database, or fail as `unavailable` before start / after stop. */
function deferredPort(current: () => BackendPort | undefined): BackendPort {
  const port: Record<string, unknown> = {};
  for (const name of BACKEND_FUNCTIONS) {
    port[name] = (args?: unknown) => {
      const target = current();
      if (!target) return Promise.reject(new BackendError('unavailable', name, 'embedded backend is not open'));
      return (target[name] as (a?: unknown) => Promise<unknown>)(args);
    };
  }
  return port as unknown as BackendPort;
}

function resolveAccount(
  db: Db,
  requested: string | undefined,
  seed: boolean,
  path: string,
  log: (msg: string) => void,
): { accountId: string; serviceToken: string } {
  if (requested) {
    const token = storedServiceToken(db, requested);
    if (!token) throw new Error(`backend-local: account "${requested}" (ACCOUNT_ID or option accountId) does not exist in ${path}`);
    return { accountId: requested, serviceToken: token };
  }
  const accounts = listAccounts(db);
  if (accounts.length === 0) {
    if (!seed) throw new Error(`backend-local: ${path} has no account and option seed is false (run "mc-runtime local seed")`);
    const demo = seedDemoAccount(db);
    log(`seeded demo account ${demo.accountId} (agents: orion, engineer, qa) in ${path}`);
    return { accountId: demo.accountId, serviceToken: demo.serviceToken };
  }
  if (accounts.length > 1) {
    throw new Error(
      `backend-local: ${path} holds ${accounts.length} accounts (${accounts.map((a) => a.id).join(', ')}); set ACCOUNT_ID or option accountId`,
    );
  }
  const token = storedServiceToken(db, accounts[0].id);
  if (!token) throw new Error(`backend-local: no stored service token for account ${accounts[0].id} in ${path}`);
  return { accountId: accounts[0].id, serviceToken: token };
}
