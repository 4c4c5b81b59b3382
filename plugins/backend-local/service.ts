/**
 * The embedded backend's service surface: `call(functionName, args)` with the
 * hosted backend's semantics: argument validation, service-token auth, account
 * scoping, then the handler inside one SQLite transaction. The in-process port
 * and the Convex wire server both call this, as the runtime calls
 * `service/actions:*` on the hosted backend.
 */
import { BACKEND_FUNCTIONS, BackendError, type BackendFunctionName, type BackendPort } from '../../core/ports/backend.ts';
import * as agents from './agents.ts';
import { requireServiceAuth } from './auth.ts';
import { getNotificationForDelivery } from './context.ts';
import { validateArgs } from './contract-args.ts';
import type { Db } from './db.ts';
import * as documents from './documents.ts';
import { ServiceError, unauthorized } from './errors.ts';
import { createMessageFromAgent, createTaskMessageForAgentTool } from './messages.ts';
import type { Ctx } from './model.ts';
import * as notifications from './notifications.ts';
import { createResponseRequestNotifications } from './response-requests.ts';
import * as runtime from './runtime.ts';
import * as queries from './task-queries.ts';
import * as tasks from './tasks.ts';

type Handlers = {
  [K in BackendFunctionName]: {
    /** `write` takes the write lock up front; `read` runs on a snapshot. */
    mode: 'read' | 'write';
    run(ctx: Ctx, args: NonNullable<Parameters<BackendPort[K]>[0]>): Awaited<ReturnType<BackendPort[K]>>;
  };
};

const HANDLERS: Handlers = {
  listUndeliveredNotifications: { mode: 'read', run: notifications.listUndelivered },
  getNotificationForDelivery: { mode: 'write', run: getNotificationForDelivery },
  markNotificationRead: { mode: 'write', run: notifications.markRead },
  markNotificationDelivered: { mode: 'write', run: notifications.markDelivered },
  markNotificationDeliveryEnded: { mode: 'write', run: notifications.markDeliveryEnded },
  listAgents: { mode: 'write', run: (ctx) => agents.listAgents(ctx) },
  getOrchestratorAgentId: { mode: 'read', run: (ctx) => agents.getOrchestratorAgentId(ctx) },
  listAgentsForRuntime: { mode: 'read', run: (ctx) => agents.listAgentsForRuntime(ctx) },
  listAssignedTasksForAgent: { mode: 'read', run: queries.listAssignedTasksForAgent },
  listTasksForOrchestratorHeartbeat: { mode: 'read', run: queries.listTasksForOrchestratorHeartbeat },
  updateAgentHeartbeat: { mode: 'write', run: agents.updateAgentHeartbeat },
  updateTaskStatusFromAgent: { mode: 'write', run: tasks.updateTaskStatusFromAgent },
  createTaskFromAgent: { mode: 'write', run: tasks.createTaskFromAgent },
  assignTaskFromAgent: { mode: 'write', run: tasks.assignTaskFromAgent },
  updateTaskFromAgent: { mode: 'write', run: tasks.updateTaskFromAgent },
  listTasksForAgentTool: { mode: 'read', run: queries.listTasksForAgentTool },
  getTaskForAgentTool: { mode: 'read', run: queries.getTaskForAgentTool },
  listTaskThreadForAgentTool: { mode: 'read', run: queries.listTaskThreadForAgentTool },
  createTaskMessageForAgentTool: { mode: 'write', run: createTaskMessageForAgentTool },
  searchTasksForAgentTool: { mode: 'read', run: queries.searchTasksForAgentTool },
  createResponseRequestNotifications: { mode: 'write', run: createResponseRequestNotifications },
  createDocumentFromAgent: { mode: 'write', run: documents.createDocumentFromAgent },
  listDocumentsForAgent: { mode: 'read', run: documents.listDocumentsForAgent },
  createMessageFromAgent: { mode: 'write', run: createMessageFromAgent },
  loadTaskDetailsForAgentTool: { mode: 'read', run: queries.loadTaskDetailsForAgentTool },
  getTaskHistoryForAgentTool: { mode: 'read', run: queries.getTaskHistoryForAgentTool },
  deleteTaskFromAgent: { mode: 'write', run: tasks.deleteTaskFromAgent },
  linkTaskToPrForAgentTool: { mode: 'write', run: tasks.linkTaskToPrForAgentTool },
  getAgentSkillsForTool: { mode: 'read', run: agents.getAgentSkillsForTool },
  updateRuntimeStatus: { mode: 'write', run: runtime.updateRuntimeStatus },
  checkAndClearRestartRequested: { mode: 'write', run: (ctx) => runtime.checkAndClearRestartRequested(ctx) },
  getPendingUpgrade: { mode: 'read', run: (ctx) => runtime.getPendingUpgrade(ctx) },
};

const FUNCTIONS: ReadonlySet<string> = new Set(BACKEND_FUNCTIONS);

export function isBackendFunction(name: string): name is BackendFunctionName {
  return FUNCTIONS.has(name);
}

export interface LocalService {
  readonly db: Db;
  /** The service clock (tests substitute one). */
  now(): number;
  /**
   * Runs one function with `{...args, accountId, serviceToken}`. Synchronous:
   * each call is one complete SQLite transaction. Throws `BackendError`.
   */
  call(fn: string, args: unknown): unknown;
}

export function createLocalService(db: Db, options: { now?: () => number } = {}): LocalService {
  const now = options.now ?? Date.now;
  return {
    db,
    now,
    call(fn, args) {
      if (!isBackendFunction(fn)) {
        throw new BackendError('rejected', fn, `Could not find public function for 'service/actions:${fn}'`, { code: 'not_found' });
      }
      try {
        validateArgs(fn, args);
        const { accountId, serviceToken, ...rest } = args as { accountId: string; serviceToken: string } & Record<string, unknown>;
        for (const key of Object.keys(rest)) if (rest[key] === undefined) delete rest[key];
        const handler = HANDLERS[fn] as { mode: 'read' | 'write'; run(ctx: Ctx, a: unknown): unknown };
        return db.transaction(handler.mode, () => {
          const auth = requireServiceAuth(db, serviceToken);
          if (auth.accountId !== accountId) throw unauthorized('Forbidden: Service token does not match account');
          return handler.run({ db, now: now(), accountId }, rest);
        });
      } catch (err) {
        throw toBackendError(fn, err);
      }
    },
  };
}

function toBackendError(fn: string, err: unknown): BackendError {
  if (err instanceof BackendError) return err;
  if (err instanceof ServiceError) return new BackendError('rejected', fn, err.message, { code: err.code });
  const e = err as { errcode?: number; message?: string };
  // SQLITE_BUSY / SQLITE_LOCKED (primary codes 5 and 6): another process held the
  // lock past busy_timeout. Nothing was written; the caller may retry later.
  if (typeof e.errcode === 'number' && ((e.errcode & 0xff) === 5 || (e.errcode & 0xff) === 6)) {
    return new BackendError('unavailable', fn, `database busy: ${e.message ?? 'locked'}`, { cause: err });
  }
  return new BackendError('rejected', fn, `internal error: ${e.message ?? String(err)}`, { code: 'internal', cause: err });
}
