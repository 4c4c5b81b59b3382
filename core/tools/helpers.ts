/**
 * Building blocks for tool definitions: common parameter schemas, schema
 * narrowing for `parametersFor`, and the task-targeting rules every task tool
 * shares (default to the run's task; non-orchestrators only touch their tasks).
 */
import Type, { type TSchema, type TUnsafe } from 'typebox';
import type { Id } from '../ports/domain.ts';
import { forbidden, invalidArgument } from './errors.ts';
import type { ToolContext } from './registry.ts';

/** A string enum as plain JSON Schema (`{type:'string', enum}`), which every model provider accepts. */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** An id as the backend hands it out; opaque. */
export const IdString = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });

/** The optional task id of task tools: the run's task when omitted. */
export const OptionalTaskId = () => Type.Optional(IdString("Task id; defaults to this run's task"));

/** A list of agent slugs (`engineer`, `@qa`). */
export const SlugList = (description: string, options: { minItems?: number; maxItems?: number } = {}) =>
  Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { description, minItems: options.minItems ?? 1, maxItems: options.maxItems ?? 20 });

type ObjectSchema = TSchema & { properties: Record<string, TSchema>; required?: string[] };

/** The object schema without some properties (keeps `additionalProperties: false`, unlike Type.Omit). */
export function withoutProperties(schema: TSchema, names: readonly string[]): TSchema {
  const source = schema as ObjectSchema;
  const properties = Object.fromEntries(Object.entries(source.properties).filter(([k]) => !names.includes(k)));
  const next: Record<string, unknown> = { ...source, properties };
  const required = source.required?.filter((r) => !names.includes(r));
  if (required?.length) next.required = required;
  else delete next.required;
  return next as unknown as TSchema;
}

/** The object schema with one string-enum property restricted to `values`. */
export function withEnum(schema: TSchema, property: string, values: readonly string[]): TSchema {
  const source = schema as ObjectSchema;
  const prop = source.properties[property] as unknown as Record<string, unknown>;
  if (!prop || !Array.isArray(prop.enum)) throw new Error(`withEnum: ${property} is not an enum property`);
  return { ...source, properties: { ...source.properties, [property]: { ...prop, enum: [...values] } } } as unknown as TSchema;
}

/** The task a call targets: the explicit id, else the run's task. */
export function targetTaskId(ctx: ToolContext, taskId: string | undefined): Id {
  const id = taskId ?? ctx.subject.taskId;
  if (!id) throw invalidArgument('taskId', 'taskId is required (this run has no task in context)');
  return id;
}

/**
 * Write access to a task (§15.2: any agent could change any task). The
 * orchestrator may change any task; other agents their run's task or tasks
 * they are assigned to.
 */
export async function requireTaskWriteAccess(ctx: ToolContext, taskId: Id): Promise<void> {
  if (ctx.capabilities.isOrchestrator || taskId === ctx.subject.taskId) return;
  const { task } = await ctx.backend.loadTaskDetailsForAgentTool({ agentId: ctx.subject.agentId, taskId, messageLimit: 1 });
  if (!task.assignedAgentIds.includes(ctx.subject.agentId)) {
    throw forbidden('you may only change the task of this run or tasks assigned to you');
  }
}

/** Resolves slugs to agent ids; unknown slugs are an argument error naming them. */
export async function resolveSlugs(ctx: ToolContext, field: string, slugs: string[]): Promise<Id[]> {
  const { ids, unknown } = await ctx.resolveAgentSlugs(slugs);
  if (unknown.length) throw invalidArgument(field, `${field}: unknown agent slugs: ${unknown.join(', ')}`);
  return ids;
}
