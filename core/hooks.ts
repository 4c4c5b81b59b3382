/**
 * The hook catalog: declared once, frozen, typed. Each hook's tapable class is
 * chosen by what the hook means (see docs/architecture.md, "Hook catalog").
 *
 * Plugins never touch these objects: they get per-plugin facades (core/hook-facade.ts)
 * that name every tap after the plugin and route every tap through the kernel's
 * isolation interceptor (core/hook-guard.ts).
 */
import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook } from 'tapable';
import type { AgentWithSession, DeliveryContext, Id, Notification } from './ports/domain.ts';

// ---- payloads -------------------------------------------------------------

export interface StartEvent {
  startedAt: number;
  /** Plugin ids that started, in start order. */
  plugins: string[];
}

export interface NotificationEvent {
  notification: Notification;
  context: DeliveryContext;
}

/** A decision on one notification. `skip` marks it delivered without a run. */
export type NotificationDecision =
  | { action: 'deliver'; reason?: string }
  | { action: 'skip'; reason: string };

/** Who is calling a tool and on whose behalf. */
export interface ToolCallSubject {
  agentId: Id;
  agentSlug: string;
  taskId?: Id;
  notificationId?: Id;
  /** `gateway`: a function call from a model turn; `http`: the HTTP fallback. */
  via: 'gateway' | 'http';
}

export interface ToolCallEvent {
  tool: string;
  params: Record<string, unknown>;
  subject: ToolCallSubject;
  /** Set by a tap to refuse the call; terminal (later taps see it, the tool does not run). */
  block?: { reason: string };
}

export interface ToolCallOutcomeEvent {
  tool: string;
  params: Record<string, unknown>;
  subject: ToolCallSubject;
  /**
   * `ok`; `replayed` when a mutating call already ran for the same notification
   * with the same arguments (the recorded result is returned, nothing runs); or
   * why it failed: invalid arguments, not available, blocked, refused by the backend, or an error.
   */
  outcome: 'ok' | 'replayed' | 'invalid' | 'unavailable' | 'blocked' | 'refused' | 'error';
  result: Record<string, unknown>;
  durationMs: number;
}

export type DeliveryOutcomeKind = 'delivered' | 'skipped' | 'retry' | 'dead_lettered';

export interface DeliveredEvent {
  notificationId: Id;
  notificationType: string;
  agentId?: Id;
  taskId?: Id;
  outcome: DeliveryOutcomeKind;
  /** Why (skip reason, error summary); never contains secrets or raw upstream bodies. */
  reason?: string;
  /** Whether a message was written to the task thread. */
  posted: boolean;
  attempt: number;
  durationMs: number;
  toolCalls: number;
}

export interface HeartbeatEvent {
  agentId: Id;
  agentSlug: string;
  outcome: 'ok' | 'posted' | 'skipped' | 'failed';
  taskId?: Id;
  reason?: string;
  durationMs: number;
}

export interface AgentsChangedEvent {
  agents: AgentWithSession[];
  added: Id[];
  removed: Id[];
  changed: Id[];
}

export interface ConfigChangeEvent {
  pluginId: string;
  options: Record<string, unknown>;
  previous: Record<string, unknown>;
}

export interface ShutdownEvent {
  reason: string;
  /** Epoch ms by which shutdown work must finish. */
  deadline: number;
  signal: AbortSignal;
}

// ---- the catalog ------------------------------------------------------------

export function createHookCatalog() {
  return Object.freeze({
    /** Observe: every plugin started. Parallel, nothing to decide. */
    onStart: new AsyncParallelHook<[StartEvent]>(['event']),
    /** Decide: the first tap returning a decision wins (policy plugins). No decision means deliver. */
    onNotification: new AsyncSeriesBailHook<[NotificationEvent], NotificationDecision | undefined>(['event']),
    /** Transform: each tap may rewrite params or set `block`; the result feeds the next tap. */
    beforeToolCall: new AsyncSeriesWaterfallHook<[ToolCallEvent]>(['event']),
    /** Observe: a tool call finished (metrics, audit). */
    afterToolCall: new AsyncParallelHook<[ToolCallOutcomeEvent]>(['event']),
    /** Observe: a notification reached an outcome. */
    onDelivered: new AsyncParallelHook<[DeliveredEvent]>(['event']),
    /** Observe: one agent heartbeat ran. */
    onHeartbeat: new AsyncParallelHook<[HeartbeatEvent]>(['event']),
    /** Observe: the agent roster changed (profile sync, schedulers). */
    onAgentsChanged: new AsyncParallelHook<[AgentsChangedEvent]>(['event']),
    /** Ordered: a plugin's options changed in the config file; taps apply it one at a time. */
    onConfigChange: new AsyncSeriesHook<[ConfigChangeEvent]>(['event']),
    /**
     * Drain before stop: every plugin drains its own work at the same time, against one deadline,
     * so a long drain (a heartbeat turn) cannot eat another plugin's budget (delivery's). Every
     * service stays up until all drains ended; releasing (`stop`) is what goes in reverse order.
     */
    onShutdown: new AsyncParallelHook<[ShutdownEvent]>(['event']),
  });
}

export type HookCatalog = ReturnType<typeof createHookCatalog>;
export type HookName = keyof HookCatalog;
export const HOOK_NAMES = Object.keys(createHookCatalog()) as HookName[];

/** Hooks whose taps decide something; a failing tap there means "no decision". */
export const DECISION_HOOKS: ReadonlySet<HookName> = new Set<HookName>(['onNotification', 'beforeToolCall']);

/** Hooks only the kernel fires. Other hooks are fired by the plugin that owns the phase. */
export const KERNEL_FIRED_HOOKS: ReadonlySet<HookName> = new Set<HookName>(['onStart', 'onConfigChange', 'onShutdown']);
