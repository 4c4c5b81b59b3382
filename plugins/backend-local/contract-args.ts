/**
 * Argument validators of the 32 service functions, as strict as Convex's `v.*`
 * validators on the hosted backend: unknown fields, `null` for an optional
 * field and wrong types are rejected. This keeps every caller (the in-process
 * port and the Convex adapter through the wire server) honest about shapes.
 */
import type { BackendFunctionName } from '../../core/ports/backend.ts';
import { AGENT_STATUSES, DOCUMENT_TYPES, RUNTIME_STATUSES, TASK_STATUSES } from '../../core/ports/domain.ts';
import { invalidArgument } from './errors.ts';

type V =
  | { k: 'string' | 'number' | 'boolean' | 'id' }
  | { k: 'enum'; values: readonly string[] }
  | { k: 'array'; of: V }
  | { k: 'object'; fields: Fields };
type Field = V & { optional?: boolean };
type Fields = Record<string, Field>;

const str: V = { k: 'string' };
const num: V = { k: 'number' };
const bool: V = { k: 'boolean' };
const id: V = { k: 'id' };
const oneOf = (values: readonly string[]): V => ({ k: 'enum', values });
const arr = (of: V): V => ({ k: 'array', of });
const obj = (fields: Fields): V => ({ k: 'object', fields });
const opt = (v: V): Field => ({ ...v, optional: true });

const taskStatus = oneOf(TASK_STATUSES);

const SPECS: Record<BackendFunctionName, Fields> = {
  listUndeliveredNotifications: { limit: opt(num) },
  getNotificationForDelivery: { notificationId: id },
  markNotificationRead: { notificationId: id },
  markNotificationDelivered: { notificationId: id },
  markNotificationDeliveryEnded: { notificationId: id },
  listAgents: {},
  getOrchestratorAgentId: {},
  listAgentsForRuntime: {},
  listAssignedTasksForAgent: { agentId: id, includeDone: opt(bool), limit: opt(num) },
  listTasksForOrchestratorHeartbeat: { statuses: arr(taskStatus), limit: opt(num) },
  updateAgentHeartbeat: { agentId: id, status: oneOf(AGENT_STATUSES), currentTaskId: opt(id) },
  updateTaskStatusFromAgent: { taskId: id, agentId: id, status: taskStatus, blockedReason: opt(str), expectedStatus: opt(taskStatus) },
  createTaskFromAgent: {
    agentId: id,
    title: str,
    description: opt(str),
    priority: opt(num),
    labels: opt(arr(str)),
    dueDate: opt(num),
    status: opt(taskStatus),
    blockedReason: opt(str),
    assignedAgentIds: opt(arr(id)),
  },
  assignTaskFromAgent: { taskId: id, agentId: id, assignedAgentIds: arr(id) },
  updateTaskFromAgent: {
    taskId: id,
    agentId: id,
    title: opt(str),
    description: opt(str),
    priority: opt(num),
    labels: opt(arr(str)),
    assignedAgentIds: opt(arr(id)),
    assignedUserIds: opt(arr(str)),
    status: opt(taskStatus),
    blockedReason: opt(str),
    dueDate: opt(num),
  },
  listTasksForAgentTool: { agentId: id, status: opt(taskStatus), assigneeAgentId: opt(id), limit: opt(num) },
  getTaskForAgentTool: { agentId: id, taskId: id },
  listTaskThreadForAgentTool: { agentId: id, taskId: id, limit: opt(num) },
  createTaskMessageForAgentTool: { agentId: id, taskId: id, content: str },
  searchTasksForAgentTool: { agentId: id, query: str, limit: opt(num) },
  createResponseRequestNotifications: { requesterAgentId: id, taskId: id, recipientSlugs: arr(str), message: str },
  createDocumentFromAgent: {
    agentId: id,
    documentId: opt(id),
    taskId: opt(id),
    title: str,
    content: str,
    type: oneOf(DOCUMENT_TYPES),
  },
  listDocumentsForAgent: { taskId: opt(id), type: opt(oneOf(DOCUMENT_TYPES)), limit: opt(num) },
  createMessageFromAgent: {
    taskId: id,
    agentId: id,
    content: str,
    suppressAgentNotifications: opt(bool),
    attachments: opt(arr(obj({ storageId: str, name: str, type: str, size: num, url: opt(str) }))),
    sourceNotificationId: opt(id),
  },
  loadTaskDetailsForAgentTool: { agentId: id, taskId: id, messageLimit: opt(num) },
  getTaskHistoryForAgentTool: { agentId: id, taskId: id, messageLimit: opt(num), activityLimit: opt(num) },
  deleteTaskFromAgent: { taskId: id, agentId: id, reason: str },
  linkTaskToPrForAgentTool: { agentId: id, taskId: id, prNumber: num },
  getAgentSkillsForTool: { agentId: id, queryAgentId: opt(id) },
  updateRuntimeStatus: {
    status: oneOf(RUNTIME_STATUSES),
    config: opt(
      obj({
        dropletId: str,
        ipAddress: str,
        region: opt(str),
        lastHealthCheck: opt(num),
        openclawVersion: opt(str),
        runtimeServiceVersion: opt(str),
        lastUpgradeAt: opt(num),
        lastUpgradeStatus: opt(str),
      }),
    ),
  },
  checkAndClearRestartRequested: {},
  getPendingUpgrade: {},
};

/** Every call also carries these two (the port adds them). */
const AUTH_FIELDS: Fields = { accountId: id, serviceToken: str };

/** Throws `invalid_argument` naming the first offending field. */
export function validateArgs(fn: BackendFunctionName, args: unknown): void {
  check(obj({ ...AUTH_FIELDS, ...SPECS[fn] }), args, 'args');
}

function check(v: V, value: unknown, path: string): void {
  switch (v.k) {
    case 'string':
      if (typeof value !== 'string') throw invalidArgument(`${path}: expected a string`);
      return;
    case 'id':
      // Ids are opaque; the table check happens when the handler loads the row.
      if (typeof value !== 'string' || value.length === 0) throw invalidArgument(`${path}: expected an id`);
      return;
    case 'number':
      if (typeof value !== 'number') throw invalidArgument(`${path}: expected a number`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalidArgument(`${path}: expected a boolean`);
      return;
    case 'enum':
      if (typeof value !== 'string' || !v.values.includes(value)) {
        throw invalidArgument(`${path}: expected one of ${v.values.join(', ')}`);
      }
      return;
    case 'array':
      if (!Array.isArray(value)) throw invalidArgument(`${path}: expected an array`);
      value.forEach((item, i) => check(v.of, item, `${path}[${i}]`));
      return;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidArgument(`${path}: expected an object`);
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        if (!Object.hasOwn(v.fields, key) && record[key] !== undefined) throw invalidArgument(`${path}: unexpected field "${key}"`);
      }
      for (const [key, field] of Object.entries(v.fields)) {
        const present = record[key] !== undefined;
        if (!present) {
          if (!field.optional) throw invalidArgument(`${path}: missing required field "${key}"`);
          continue;
        }
        check(field, record[key], `${path}.${key}`);
      }
      return;
    }
  }
}
