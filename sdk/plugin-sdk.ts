/**
 * The plugin SDK: `import { definePlugin, defineTool, Type } from 'mission-control-runtime/plugin-sdk'`.
 *
 * Everything a plugin outside this repository may use, and nothing internal.
 * Its version is PLUGIN_SDK_VERSION (semver); a plugin states the range it was
 * built for in `definePlugin({ sdk: '^1.0.0' })` and the loader refuses it on a
 * runtime outside that range. Published as JavaScript with type declarations
 * (dist/sdk/plugin-sdk.js, built when the package is packed or installed);
 * inside this repository plugins keep importing the TypeScript sources.
 */

// Schemas: the runtime's own typebox instance, so plugin schemas validate and
// compose with the runtime's (a second typebox copy would not).
export { default as Type } from 'typebox';
export type { Static, TSchema } from 'typebox';

// The plugin contract.
export { definePlugin, PLUGIN_SDK_VERSION } from '../core/plugin.ts';
export type {
  PluginDefinition,
  PluginApi,
  PluginInstance,
  EnvBinding,
  RuntimeInfo,
  KernelView,
  Readiness,
} from '../core/plugin.ts';
export type { Clock } from '../core/clock.ts';
export type { MetricsApi } from '../core/metrics.ts';
export type { HealthApi, CheckFn, CheckOptions, CheckResult, StatusFn } from '../core/health.ts';

// Hooks: stages to order taps against the built-in ones, and every payload type.
export { STAGE } from '../core/hook-facade.ts';
export type { TapOptions, HookFacade, FireableHookFacade, HookFacades } from '../core/hook-facade.ts';
export type {
  HookName,
  StartEvent,
  NotificationEvent,
  NotificationDecision,
  ToolCallSubject,
  ToolCallEvent,
  ToolCallOutcomeEvent,
  DeliveryOutcomeKind,
  DeliveredEvent,
  HeartbeatEvent,
  AgentsChangedEvent,
  ConfigChangeEvent,
  ShutdownEvent,
} from '../core/hooks.ts';

// Agent tools: the definition, schema helpers, targeting rules and the errors a tool throws.
export { defineTool, toolHttpPath, toolEffect } from '../core/tools/registry.ts';
export type {
  ToolDefinition,
  ToolContext,
  ToolAvailabilityContext,
  ToolResult,
  ToolAttributes,
  ToolEffect,
  ToolRegistry,
  AgentCapabilities,
} from '../core/tools/registry.ts';
export {
  StringEnum,
  IdString,
  OptionalTaskId,
  SlugList,
  withoutProperties,
  withEnum,
  targetTaskId,
  requireTaskWriteAccess,
  resolveSlugs,
} from '../core/tools/helpers.ts';
export { ToolRefusal, ToolArgumentError, forbidden, notFound, invalidArgument } from '../core/tools/errors.ts';

// Services: the refs to `api.use()` the ports, and createServiceRef for a plugin's own services.
export {
  createServiceRef,
  BackendService,
  GatewayService,
  HttpServiceRef,
  RunTokensRef,
  AgentTurnsRef,
} from '../core/services.ts';
export type { ServiceRef } from '../core/services.ts';

// Ports and their errors.
export { BackendError, isBackendError, BACKEND_FUNCTIONS } from '../core/ports/backend.ts';
export type { BackendPort, BackendFunctionName, BackendErrorKind, BackendErrorCode, SuccessResult, UpdateTaskStatusResult } from '../core/ports/backend.ts';
export { GatewayError, isGatewayError } from '../core/ports/gateway.ts';
export type {
  GatewayPort,
  GatewayStatus,
  GatewayErrorKind,
  AgentTurnRequest,
  AgentTurnResult,
  FunctionToolSpec,
  GatewayToolCall,
  ExecutedToolCall,
  ToolCallExecutor,
} from '../core/ports/gateway.ts';
export type { HttpService } from '../core/ports/http.ts';
export type { RunTokenService, RunTokenClaims, RunTokenVerification } from '../core/ports/run-tokens.ts';
export type { AgentTurns } from '../core/ports/agent-turns.ts';

// Domain: the backend's vocabulary.
export {
  TASK_STATUSES,
  AGENT_TARGET_STATUSES,
  TASK_TRANSITIONS,
  NOTIFICATION_TYPES,
  DOCUMENT_TYPES,
  AGENT_STATUSES,
  RUNTIME_STATUSES,
  DEFAULT_BEHAVIOR_FLAGS,
} from '../core/ports/domain.ts';
export type {
  Id,
  TaskStatus,
  AgentTargetStatus,
  NotificationType,
  DocumentType,
  AgentStatus,
  RuntimeStatus,
  BehaviorFlags,
  Notification,
  Task,
  Agent,
  AgentWithSession,
  AgentOpenclawConfig,
  Message,
  MessageMention,
  ThreadItem,
  AgentRef,
  TaskOverview,
  DeliveryContext,
  DocumentSummary,
  ActivityItem,
  TaskSearchResult,
} from '../core/ports/domain.ts';
