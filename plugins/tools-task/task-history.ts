/** task_history: messages and activity log of a task. Read-only, with a task in context. */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, targetTaskId } from '../../core/tools/helpers.ts';

export const taskHistoryTool = defineTool({
  name: 'task_history',
  description: 'Load the history of a task: thread messages and activities (status changes, assignments, edits), newest first.',
  effect: 'read',
  capability: 'load task history: messages and activities',
  attributes: { readOnly: true },
  parameters: Type.Object(
    {
      taskId: OptionalTaskId(),
      messageLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 25' })),
      activityLimit: Type.Optional(Type.Integer({ minimum: 0, maximum: 200, description: 'default 30' })),
    },
    { additionalProperties: false },
  ),
  availability: (ctx) => ctx.capabilities.hasTaskContext,
  async execute(ctx, params) {
    const data = await ctx.backend.getTaskHistoryForAgentTool({
      agentId: ctx.subject.agentId,
      taskId: targetTaskId(ctx, params.taskId),
      ...(params.messageLimit !== undefined ? { messageLimit: params.messageLimit } : {}),
      ...(params.activityLimit !== undefined ? { activityLimit: params.activityLimit } : {}),
    });
    return { success: true, data };
  },
});
