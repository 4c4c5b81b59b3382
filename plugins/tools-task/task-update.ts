/**
 * task_update: edit task fields. Assignees are the orchestrator's business
 * (§15.2): other agents are not offered `assigneeSlugs` and are refused if they
 * send it, with a pointer to response_request.
 */
import Type from 'typebox';
import { AGENT_TARGET_STATUSES } from '../../core/ports/domain.ts';
import { defineTool, type ToolAvailabilityContext } from '../../core/tools/registry.ts';
import {
  OptionalTaskId,
  requireTaskWriteAccess,
  resolveSlugs,
  SlugList,
  StringEnum,
  targetTaskId,
  withEnum,
  withoutProperties,
} from '../../core/tools/helpers.ts';
import { invalidArgument } from '../../core/tools/errors.ts';

const parameters = Type.Object(
  {
    taskId: OptionalTaskId(),
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
    description: Type.Optional(Type.String({ maxLength: 100_000 })),
    priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: '1 = highest, 5 = lowest' })),
    labels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
    status: Type.Optional(StringEnum(AGENT_TARGET_STATUSES)),
    blockedReason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Required when status is blocked' })),
    dueDate: Type.Optional(Type.Integer({ minimum: 0, description: 'Due date, epoch milliseconds' })),
    assigneeSlugs: Type.Optional(SlugList('Orchestrator only: replaces the agent assignees', { minItems: 0 })),
  },
  { additionalProperties: false },
);

const EDITABLE = ['title', 'description', 'priority', 'labels', 'status', 'blockedReason', 'dueDate', 'assigneeSlugs'] as const;

function variant(orchestrator: boolean, canMarkDone: boolean) {
  let schema = orchestrator ? parameters : withoutProperties(parameters, ['assigneeSlugs']);
  if (!canMarkDone) schema = withEnum(schema, 'status', AGENT_TARGET_STATUSES.filter((s) => s !== 'done'));
  return schema;
}

/** Made once: the executor keeps one frozen copy per schema object (a new one per run would be serialised again). */
const VARIANTS = [variant(false, false), variant(false, true), variant(true, false), variant(true, true)];

function narrowed(ctx: ToolAvailabilityContext) {
  return VARIANTS[(ctx.capabilities.isOrchestrator ? 2 : 0) + (ctx.capabilities.canMarkDone ? 1 : 0)];
}

export const taskUpdateTool = defineTool({
  name: 'task_update',
  description:
    'Update fields of a task: title, description, priority (1-5), labels, status, blockedReason, dueDate; ' +
    'the orchestrator may also replace assignees (assigneeSlugs).',
  effect: 'mutating',
  capability: 'update task fields',
  parameters,
  parametersFor: narrowed,
  availability: (ctx) => ctx.capabilities.hasTaskContext && ctx.capabilities.flags.canModifyTaskStatus,
  async execute(ctx, params) {
    const taskId = targetTaskId(ctx, params.taskId);
    if (!EDITABLE.some((k) => params[k] !== undefined)) {
      throw invalidArgument('', `nothing to update: give at least one of ${EDITABLE.join(', ')}`);
    }
    if (params.status === 'blocked' && !params.blockedReason?.trim()) {
      throw invalidArgument('blockedReason', 'blockedReason is required when status is blocked');
    }
    await requireTaskWriteAccess(ctx, taskId);
    const assignedAgentIds = params.assigneeSlugs ? await resolveSlugs(ctx, 'assigneeSlugs', params.assigneeSlugs) : undefined;
    const { assigneeSlugs: _slugs, taskId: _taskId, ...fields } = params;
    const result = await ctx.backend.updateTaskFromAgent({
      ...fields,
      taskId,
      agentId: ctx.subject.agentId,
      ...(assignedAgentIds ? { assignedAgentIds } : {}),
    });
    return {
      success: true,
      taskId: result.taskId,
      changedFields: result.changedFields,
      message: result.changedFields.length ? `Task updated. Modified: ${result.changedFields.join(', ')}` : 'Nothing changed',
    };
  },
});
