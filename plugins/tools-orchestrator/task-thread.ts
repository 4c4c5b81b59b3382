/** task_thread: the message thread of a task, oldest first. */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, targetTaskId } from '../../core/tools/helpers.ts';
import { orchestratorOnly } from './availability.ts';

export const taskThreadTool = defineTool({
  name: 'task_thread',
  description: 'Read the message thread of a task, oldest first.',
  effect: 'read',
  capability: 'read task threads',
  attributes: { readOnly: true },
  parameters: Type.Object(
    {
      taskId: OptionalTaskId(),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
    },
    { additionalProperties: false },
  ),
  availability: orchestratorOnly,
  async execute(ctx, params) {
    const thread = await ctx.backend.listTaskThreadForAgentTool({
      agentId: ctx.subject.agentId,
      taskId: targetTaskId(ctx, params.taskId),
      ...(params.limit !== undefined ? { limit: params.limit } : {}),
    });
    return { success: true, data: { thread } };
  },
});
