/** task_get: one task by id. */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, targetTaskId } from '../../core/tools/helpers.ts';
import { notFound } from '../../core/tools/errors.ts';
import { orchestratorOnly } from './availability.ts';

export const taskGetTool = defineTool({
  name: 'task_get',
  description: 'Get one task: title, status, priority, assignees, labels, description.',
  effect: 'read',
  capability: 'get a task',
  attributes: { readOnly: true },
  parameters: Type.Object({ taskId: OptionalTaskId() }, { additionalProperties: false }),
  availability: orchestratorOnly,
  async execute(ctx, params) {
    const taskId = targetTaskId(ctx, params.taskId);
    const task = await ctx.backend.getTaskForAgentTool({ agentId: ctx.subject.agentId, taskId });
    if (!task) throw notFound(`task ${taskId}`);
    return { success: true, data: { task } };
  },
});
