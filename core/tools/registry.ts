/**
 * The agent tool contract: each tool is defined once. The function tool sent to
 * the gateway, the HTTP fallback route, the prompt capability line, the metric
 * label and the OpenAPI entry are all derived from this one definition.
 */
import type { Static, TSchema } from 'typebox';
import type { Logger } from 'pino';
import type { BackendPort } from '../ports/backend.ts';
import type { BehaviorFlags, Id, TaskStatus } from '../ports/domain.ts';
import type { ToolCallSubject } from '../hooks.ts';

/** What an agent may do in this run; derived from behaviour flags and the task (§4.3). */
export interface AgentCapabilities {
  flags: BehaviorFlags;
  isOrchestrator: boolean;
  hasTaskContext: boolean;
  /** Status of the task in context, when there is one. */
  taskStatus?: TaskStatus;
  /** `canMarkDone` flag and task in review (the done gate, offered and enforced alike). */
  canMarkDone: boolean;
}

export interface ToolAvailabilityContext {
  subject: ToolCallSubject;
  capabilities: AgentCapabilities;
}

export interface ToolContext extends ToolAvailabilityContext {
  backend: BackendPort;
  logger: Logger;
  signal?: AbortSignal;
  /** Resolve agent slugs of this account to ids (cached per run). */
  resolveAgentSlugs(slugs: string[]): Promise<{ ids: Id[]; unknown: string[] }>;
  /** Tell the delivery loop new notifications may exist (e.g. after response_request). */
  notifyWork(): void;
}

/** Structured result the model can act on. Never thrown. */
export interface ToolResult {
  success: boolean;
  error?: string;
  [key: string]: unknown;
}

export type ToolEffect = 'mutating' | 'read';

/** A tool's declared effect; a tool that does not say is treated as mutating. */
export function toolEffect(definition: { effect?: ToolEffect }): ToolEffect {
  return definition.effect ?? 'mutating';
}

export interface ToolAttributes {
  readOnly?: boolean;
  idempotent?: boolean;
  destructive?: boolean;
}

export interface ToolDefinition<P extends TSchema = TSchema> {
  /** snake_case; the HTTP route is `/agent/<name-with-dashes>`. */
  name: string;
  description: string;
  parameters: P;
  /**
   * Narrower parameters for this agent in this context (e.g. `done` only when the
   * done gate holds). The narrowed schema is what the model is offered and what
   * execution accepts: arguments valid for `parameters` but not for this schema
   * are refused as "not allowed here". Must accept a subset of `parameters`.
   */
  parametersFor?(ctx: ToolAvailabilityContext): TSchema;
  /**
   * Short capability phrase for the prompt, e.g. "change task status". The prompt
   * line is derived per mode: "… (task_status tool)" or "…: POST <base>/agent/task-status".
   */
  capability: string;
  attributes?: ToolAttributes;
  /**
   * What calling it does. `mutating` tools (the default when a tool does not
   * say) run at most once per notification for the same arguments: a repeated
   * call gets the recorded result (see core/ports/tool-ledger.ts). `read` tools
   * always run.
   */
  effect?: ToolEffect;
  /** Whether this agent is offered the tool in this context; re-checked at execution. */
  availability(ctx: ToolAvailabilityContext): boolean;
  execute(ctx: ToolContext, params: Static<P>): Promise<ToolResult>;
}

export type AnyToolDefinition = ToolDefinition<TSchema>;

const TOOL_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;

/** The HTTP fallback route of a tool: `task_status` → `/agent/task-status`. */
export function toolHttpPath(name: string): string {
  return `/agent/${name.replaceAll('_', '-')}`;
}

/** Inverse of the route segment: `task-status` → `task_status`. */
export function toolNameFromRoute(segment: string): string {
  return segment.replaceAll('-', '_');
}

export function defineTool<P extends TSchema>(definition: ToolDefinition<P>): ToolDefinition<P> {
  if (!TOOL_NAME.test(definition.name)) throw new Error(`tool name "${definition.name}" must be snake_case`);
  if (!definition.description?.trim()) throw new Error(`tool "${definition.name}" needs a description`);
  if (typeof definition.execute !== 'function') throw new Error(`tool "${definition.name}" has no execute function`);
  if (typeof definition.availability !== 'function') throw new Error(`tool "${definition.name}" has no availability function`);
  if (!definition.capability?.trim()) throw new Error(`tool "${definition.name}" needs a capability phrase for the prompt`);
  if (definition.effect !== undefined && definition.effect !== 'mutating' && definition.effect !== 'read') {
    throw new Error(`tool "${definition.name}": effect must be 'mutating' or 'read' (got ${JSON.stringify(definition.effect)})`);
  }
  if (definition.effect === 'mutating' && definition.attributes?.readOnly) {
    throw new Error(`tool "${definition.name}": attributes.readOnly contradicts effect 'mutating'`);
  }
  const schema = definition.parameters as { type?: unknown };
  if (!schema || schema.type !== 'object') throw new Error(`tool "${definition.name}": parameters must be an object schema (Type.Object)`);
  return Object.freeze({ ...definition });
}

export interface RegisteredTool {
  definition: AnyToolDefinition;
  /** Plugin that registered the tool. */
  plugin: string;
}

export interface ToolRegistry {
  register(definition: AnyToolDefinition): void;
  get(name: string): RegisteredTool | undefined;
  list(): RegisteredTool[];
}

export class ToolRegistryImpl {
  readonly #tools = new Map<string, RegisteredTool>();

  forPlugin(plugin: string): ToolRegistry {
    return {
      register: (definition) => this.register(definition, plugin),
      get: (name) => this.get(name),
      list: () => this.list(),
    };
  }

  register(definition: AnyToolDefinition, plugin: string): void {
    const existing = this.#tools.get(definition.name);
    if (existing) {
      throw new Error(`tool "${definition.name}" is already registered by plugin "${existing.plugin}"`);
    }
    this.#tools.set(definition.name, { definition, plugin });
  }

  get(name: string): RegisteredTool | undefined {
    return this.#tools.get(name);
  }

  list(): RegisteredTool[] {
    return [...this.#tools.values()];
  }

  removePlugin(plugin: string): void {
    for (const [name, tool] of this.#tools) if (tool.plugin === plugin) this.#tools.delete(name);
  }
}
