/**
 * Domain types of the Mission Control service contract (the "shared brain").
 *
 * Field names follow the wire shapes of the Mission Control backend so that the
 * Convex adapter passes documents through unchanged. Ids are opaque strings:
 * nothing in the runtime may parse or construct them.
 */

export type Id = string;

export const TASK_STATUSES = ['inbox', 'assigned', 'in_progress', 'review', 'done', 'blocked', 'archived'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses an agent may request (the backend walks a path to reach them). */
export const AGENT_TARGET_STATUSES = ['in_progress', 'review', 'done', 'blocked'] as const;
export type AgentTargetStatus = (typeof AGENT_TARGET_STATUSES)[number];

/** The backend's transition table (original-runtime.md §3.2). */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = Object.freeze({
  inbox: ['assigned', 'archived'],
  assigned: ['in_progress', 'blocked', 'inbox', 'archived'],
  in_progress: ['review', 'blocked', 'archived'],
  review: ['done', 'in_progress', 'blocked', 'archived'],
  done: ['archived'],
  blocked: ['assigned', 'in_progress', 'archived'],
  archived: [],
});

export const NOTIFICATION_TYPES = [
  'mention',
  'assignment',
  'thread_update',
  'status_change',
  'response_request',
  'member_added',
  'member_removed',
  'role_changed',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export const DOCUMENT_TYPES = ['deliverable', 'note', 'template', 'reference'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const AGENT_STATUSES = ['online', 'busy', 'idle', 'offline', 'error'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export const RUNTIME_STATUSES = ['provisioning', 'online', 'degraded', 'offline', 'error'] as const;
export type RuntimeStatus = (typeof RUNTIME_STATUSES)[number];

export const UPGRADE_STRATEGIES = ['immediate', 'rolling', 'canary'] as const;
export type UpgradeStrategy = (typeof UPGRADE_STRATEGIES)[number];

/** Label of the orchestrator chat task. */
export const ORCHESTRATOR_CHAT_LABEL = 'system:orchestrator-chat';

export interface BehaviorFlags {
  canCreateTasks: boolean;
  canModifyTaskStatus: boolean;
  canCreateDocuments: boolean;
  canMentionAgents: boolean;
  canReviewTasks: boolean;
  canMarkDone: boolean;
  requiresApprovalForActions?: string[];
}

export const DEFAULT_BEHAVIOR_FLAGS: Readonly<BehaviorFlags> = Object.freeze({
  canCreateTasks: false,
  canModifyTaskStatus: true,
  canCreateDocuments: true,
  canMentionAgents: true,
  canReviewTasks: false,
  canMarkDone: false,
});

export interface Notification {
  _id: Id;
  _creationTime?: number;
  accountId: Id;
  type: NotificationType;
  recipientType: 'user' | 'agent';
  recipientId: string;
  taskId?: Id;
  messageId?: Id;
  title: string;
  body: string;
  deliveredAt?: number;
  readAt?: number;
  deliveryEndedAt?: number;
  createdAt: number;
}

export interface Task {
  _id: Id;
  _creationTime?: number;
  accountId: Id;
  title: string;
  description?: string;
  status: TaskStatus;
  priority: number;
  assignedUserIds: string[];
  assignedAgentIds: Id[];
  labels: string[];
  dueDate?: number;
  blockedReason?: string;
  archivedAt?: number;
  metadata?: { prNumber?: number };
  createdBy: string;
  createdAt: number;
  updatedAt: number;
  lastMessageAt?: number;
}

export interface AgentOpenclawConfig {
  model?: string;
  temperature?: number;
  maxTokens?: number;
  skillIds?: Id[];
  behaviorFlags?: Partial<BehaviorFlags>;
  [key: string]: unknown;
}

export interface Agent {
  _id: Id;
  _creationTime?: number;
  accountId: Id;
  name: string;
  slug: string;
  role: string;
  description?: string;
  status: AgentStatus;
  currentTaskId?: Id;
  lastHeartbeat?: number;
  /** Minutes. */
  heartbeatInterval: number;
  soulContent?: string;
  identityContent?: string;
  openclawConfig?: AgentOpenclawConfig;
}

/** `listAgents` result row. */
export interface AgentWithSession extends Agent {
  systemSessionKey: string;
  effectiveBehaviorFlags: BehaviorFlags;
}

export interface ResolvedSkill {
  _id: Id;
  name: string;
  slug: string;
  description?: string;
  contentMarkdown?: string;
}

/** `listAgentsForRuntime` result row. */
export interface RuntimeAgentProfile {
  _id: Id;
  name: string;
  slug: string;
  role: string;
  openclawConfig?: AgentOpenclawConfig;
  effectiveSoulContent: string;
  effectiveUserMd: string;
  effectiveIdentityContent: string;
  resolvedSkills: ResolvedSkill[];
}

export interface MessageMention {
  type: 'user' | 'agent' | 'all';
  id: string;
  name: string;
  slug?: string;
}

export interface Message {
  _id: Id;
  _creationTime?: number;
  accountId: Id;
  taskId: Id;
  authorType: 'user' | 'agent';
  authorId: string;
  content: string;
  mentions: MessageMention[];
  attachments?: Array<{ storageId?: string; url?: string; name: string; type: string; size: number }>;
  createdAt: number;
  editedAt?: number;
  sourceNotificationId?: Id;
}

export interface ThreadItem {
  messageId: Id;
  authorType: 'user' | 'agent';
  authorId: string;
  authorName: string | null;
  content: string;
  createdAt: number;
}

export interface AgentRef {
  id: Id;
  slug: string;
  name: string;
  role: string;
}

export interface TaskOverview {
  totals: Array<{ status: TaskStatus; count: number }>;
  topTasks: Array<{
    status: TaskStatus;
    tasks: Array<{
      taskId: Id;
      title: string;
      status: TaskStatus;
      priority: number;
      assignedAgentIds: Id[];
      assignedUserIds: string[];
    }>;
  }>;
}

/** `getNotificationForDelivery` result. */
export interface DeliveryContext {
  notification: Notification;
  agent: Agent | null;
  task: Task | null;
  message: Message | null;
  thread: ThreadItem[];
  sourceNotificationType: string | null;
  orchestratorAgentId: Id | null;
  primaryUserMention: { id: string; name: string; email: string | null } | null;
  mentionableAgents: AgentRef[];
  assignedAgents: AgentRef[];
  effectiveBehaviorFlags: BehaviorFlags;
  deliverySessionKey?: string;
  repositoryDoc: { title: string; content: string } | null;
  globalBriefingDoc: { title: string; content: string } | null;
  taskOverview: TaskOverview | null;
}

export interface DocumentSummary {
  _id: Id;
  title: string;
  type?: DocumentType;
  taskId?: Id;
  updatedAt: number;
}

export interface ActivityItem {
  type: string;
  actorType: string;
  actorId: string;
  actorName: string;
  targetType: string;
  targetId: string;
  targetName?: string;
  meta?: Record<string, unknown>;
  createdAt: number;
}

export interface TaskSearchResult {
  _id: Id;
  title: string;
  status: TaskStatus;
  priority: number;
  blockedReason?: string;
  assignedAgentIds: Id[];
  assignedUserIds: string[];
  createdAt: number;
  updatedAt: number;
  relevanceScore: number;
}

export interface AgentSkillsRow {
  agentId: string;
  skillIds: Id[];
  skillCount: number;
  lastUpdated: string;
}

export interface RuntimeConfigReport {
  dropletId: string;
  ipAddress: string;
  region?: string;
  lastHealthCheck?: number;
  openclawVersion?: string;
  runtimeServiceVersion?: string;
  lastUpgradeAt?: number;
  lastUpgradeStatus?: string;
}

export interface PendingUpgrade {
  targetOpenclawVersion: string;
  targetRuntimeVersion: string;
  initiatedAt: number;
  initiatedBy: string;
  strategy: UpgradeStrategy;
}
