/**
 * The backend port: the 32 `service/actions:*` functions of the Mission Control
 * service contract (original-runtime.md §2.3), as the runtime sees them.
 *
 * Method names equal the contract's function names and each method takes the
 * contract's argument object without `accountId` and `serviceToken`: the adapter
 * that implements the port adds those. Implementations throw `BackendError`.
 */
import type {
  AgentSkillsRow,
  AgentStatus,
  AgentTargetStatus,
  AgentWithSession,
  ActivityItem,
  DeliveryContext,
  DocumentSummary,
  DocumentType,
  Id,
  Notification,
  PendingUpgrade,
  RuntimeAgentProfile,
  RuntimeConfigReport,
  RuntimeStatus,
  Task,
  TaskSearchResult,
  TaskStatus,
  ThreadItem,
} from './domain.ts';

export interface SuccessResult {
  success: boolean;
}

export interface UpdateTaskStatusResult {
  success: true;
  taskId: Id;
  requestedStatus: TaskStatus;
  status: TaskStatus;
  updatedAt: number;
  changed: boolean;
}

export interface BackendPort {
  // Notifications and delivery
  listUndeliveredNotifications(args: { limit?: number }): Promise<Notification[]>;
  getNotificationForDelivery(args: { notificationId: Id }): Promise<DeliveryContext | null>;
  markNotificationRead(args: { notificationId: Id }): Promise<SuccessResult>;
  markNotificationDelivered(args: { notificationId: Id }): Promise<SuccessResult>;
  markNotificationDeliveryEnded(args: { notificationId: Id }): Promise<SuccessResult>;

  // Agents
  listAgents(args?: Record<string, never>): Promise<AgentWithSession[]>;
  getOrchestratorAgentId(args?: Record<string, never>): Promise<{ orchestratorAgentId: Id | null }>;
  listAgentsForRuntime(args?: Record<string, never>): Promise<RuntimeAgentProfile[]>;
  listAssignedTasksForAgent(args: { agentId: Id; includeDone?: boolean; limit?: number }): Promise<Task[]>;
  listTasksForOrchestratorHeartbeat(args: { statuses: TaskStatus[]; limit?: number }): Promise<Task[]>;
  updateAgentHeartbeat(args: {
    agentId: Id;
    status: AgentStatus;
    currentTaskId?: Id;
  }): Promise<{ success: boolean; timestamp: number }>;

  // Tasks
  updateTaskStatusFromAgent(args: {
    taskId: Id;
    agentId: Id;
    status: AgentTargetStatus;
    blockedReason?: string;
    expectedStatus?: TaskStatus;
  }): Promise<UpdateTaskStatusResult>;
  createTaskFromAgent(args: {
    agentId: Id;
    title: string;
    description?: string;
    priority?: number;
    labels?: string[];
    dueDate?: number;
    status?: TaskStatus;
    blockedReason?: string;
    assignedAgentIds?: Id[];
  }): Promise<{ taskId: Id }>;
  assignTaskFromAgent(args: { taskId: Id; agentId: Id; assignedAgentIds: Id[] }): Promise<{ taskId: Id }>;
  updateTaskFromAgent(args: {
    taskId: Id;
    agentId: Id;
    title?: string;
    description?: string;
    priority?: number;
    labels?: string[];
    assignedAgentIds?: Id[];
    assignedUserIds?: string[];
    status?: AgentTargetStatus;
    blockedReason?: string;
    dueDate?: number;
  }): Promise<{ taskId: Id; changedFields: string[] }>;
  listTasksForAgentTool(args: {
    agentId: Id;
    status?: TaskStatus;
    assigneeAgentId?: Id;
    limit?: number;
  }): Promise<Task[]>;
  getTaskForAgentTool(args: { agentId: Id; taskId: Id }): Promise<Task | null>;
  listTaskThreadForAgentTool(args: { agentId: Id; taskId: Id; limit?: number }): Promise<ThreadItem[]>;
  createTaskMessageForAgentTool(args: { agentId: Id; taskId: Id; content: string }): Promise<{ messageId: Id }>;
  searchTasksForAgentTool(args: { agentId: Id; query: string; limit?: number }): Promise<TaskSearchResult[]>;
  createResponseRequestNotifications(args: {
    requesterAgentId: Id;
    taskId: Id;
    recipientSlugs: string[];
    message: string;
  }): Promise<{ notificationIds: Id[] }>;

  // Documents and messages
  createDocumentFromAgent(args: {
    agentId: Id;
    documentId?: Id;
    taskId?: Id;
    title: string;
    content: string;
    type: DocumentType;
  }): Promise<{ documentId: Id }>;
  listDocumentsForAgent(args: {
    taskId?: Id;
    type?: DocumentType;
    limit?: number;
  }): Promise<{ documents: DocumentSummary[] }>;
  createMessageFromAgent(args: {
    taskId: Id;
    agentId: Id;
    content: string;
    suppressAgentNotifications?: boolean;
    attachments?: Array<{ storageId: string; name: string; type: string; size: number; url?: string }>;
    sourceNotificationId?: Id;
  }): Promise<{ messageId: Id }>;
  loadTaskDetailsForAgentTool(args: {
    agentId: Id;
    taskId: Id;
    messageLimit?: number;
  }): Promise<{ task: Task; thread: ThreadItem[] }>;
  getTaskHistoryForAgentTool(args: {
    agentId: Id;
    taskId: Id;
    messageLimit?: number;
    activityLimit?: number;
  }): Promise<{
    task: Task;
    messages: ThreadItem[];
    activities: ActivityItem[];
    meta: { messageLimitApplied: number; activityLimitApplied: number };
  }>;
  deleteTaskFromAgent(args: { taskId: Id; agentId: Id; reason: string }): Promise<{ success: true }>;
  linkTaskToPrForAgentTool(args: { agentId: Id; taskId: Id; prNumber: number }): Promise<{ success: true }>;
  getAgentSkillsForTool(args: { agentId: Id; queryAgentId?: Id }): Promise<AgentSkillsRow[]>;

  // Runtime status, restart and upgrade
  updateRuntimeStatus(args: { status: RuntimeStatus; config?: RuntimeConfigReport }): Promise<SuccessResult>;
  checkAndClearRestartRequested(args?: Record<string, never>): Promise<{ restartRequested: boolean }>;
  getPendingUpgrade(args?: Record<string, never>): Promise<PendingUpgrade | null>;
}

export type BackendFunctionName = keyof BackendPort;

/** All 32 function names, in contract order. */
export const BACKEND_FUNCTIONS = [
  'listUndeliveredNotifications',
  'getNotificationForDelivery',
  'markNotificationRead',
  'markNotificationDelivered',
  'markNotificationDeliveryEnded',
  'listAgents',
  'getOrchestratorAgentId',
  'listAgentsForRuntime',
  'listAssignedTasksForAgent',
  'listTasksForOrchestratorHeartbeat',
  'updateAgentHeartbeat',
  'updateTaskStatusFromAgent',
  'createTaskFromAgent',
  'assignTaskFromAgent',
  'updateTaskFromAgent',
  'listTasksForAgentTool',
  'getTaskForAgentTool',
  'listTaskThreadForAgentTool',
  'createTaskMessageForAgentTool',
  'searchTasksForAgentTool',
  'createResponseRequestNotifications',
  'createDocumentFromAgent',
  'listDocumentsForAgent',
  'createMessageFromAgent',
  'loadTaskDetailsForAgentTool',
  'getTaskHistoryForAgentTool',
  'deleteTaskFromAgent',
  'linkTaskToPrForAgentTool',
  'getAgentSkillsForTool',
  'updateRuntimeStatus',
  'checkAndClearRestartRequested',
  'getPendingUpgrade',
] as const satisfies readonly BackendFunctionName[];

/** Functions that only read (or are idempotent by contract) and so are safe to retry on a transport failure. */
export const BACKEND_SAFE_TO_RETRY: ReadonlySet<BackendFunctionName> = new Set<BackendFunctionName>([
  'listUndeliveredNotifications',
  'getNotificationForDelivery',
  'markNotificationRead',
  'markNotificationDelivered',
  'markNotificationDeliveryEnded',
  'listAgents',
  'getOrchestratorAgentId',
  'listAgentsForRuntime',
  'listAssignedTasksForAgent',
  'listTasksForOrchestratorHeartbeat',
  'updateAgentHeartbeat',
  'listTasksForAgentTool',
  'getTaskForAgentTool',
  'listTaskThreadForAgentTool',
  'searchTasksForAgentTool',
  'listDocumentsForAgent',
  'loadTaskDetailsForAgentTool',
  'getTaskHistoryForAgentTool',
  'getAgentSkillsForTool',
  'updateRuntimeStatus',
  'getPendingUpgrade',
]);

/**
 * Why a backend call failed. Classification never depends on message text
 * (production Convex redacts messages to "Server Error"):
 * - `unavailable`: no answer (network error, non-function HTTP failure, 5xx);
 * - `timeout`: no answer within the request deadline;
 * - `rejected`: the backend ran the function and it threw (an answered failure);
 *   `code` carries a structured code when the backend sent one (ConvexError data).
 */
export type BackendErrorKind = 'unavailable' | 'timeout' | 'rejected';

/** Structured codes; the embedded backend always sends one, the hosted backend may not. */
export type BackendErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'invalid_argument'
  | 'invalid_transition'
  | 'conflict'
  | 'internal';

export class BackendError extends Error {
  readonly kind: BackendErrorKind;
  readonly code: BackendErrorCode | undefined;
  readonly functionName: string;

  constructor(
    kind: BackendErrorKind,
    functionName: string,
    message: string,
    options: { code?: BackendErrorCode; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'BackendError';
    this.kind = kind;
    this.code = options.code;
    this.functionName = functionName;
  }

  /** True when the backend never answered: callers should pause and retry, not give up. */
  get transient(): boolean {
    return this.kind !== 'rejected';
  }
}

export function isBackendError(err: unknown): err is BackendError {
  return err instanceof BackendError;
}
