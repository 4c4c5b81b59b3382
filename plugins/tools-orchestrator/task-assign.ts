/** task_assign: add agent assignees to a task (additive; inbox tasks start moving). */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, resolveSlugs, SlugList, targetTaskId } from '../../core/tools/helpers.ts';
import { orchestratorOnly } from './availability.ts';

export const taskAssignTool = defineTool({
  name: 'task_assign',
  description: 'Assign agents (by slug) to a task, in addition to current assignees.',
  effect: 'mutating',
  capability: 'assign tasks to agents',
  attributes: { idempotent: true },
  parameters: Type.Object(
    {
      taskId: OptionalTaskId(),
      assigneeSlugs: SlugList('Agents to add, e.g. ["engineer"]'),
    },
    { additionalProperties: false },
  ),
  availability: orchestratorOnly,
  async execute(ctx, params) {
    const taskId = targetTaskId(ctx, params.taskId);
    const assignedAgentIds = await resolveSlugs(ctx, 'assigneeSlugs', params.assigneeSlugs);
    await ctx.backend.assignTaskFromAgent({ agentId: ctx.subject.agentId, taskId, assignedAgentIds });
    return { success: true, taskId };
  },
});
