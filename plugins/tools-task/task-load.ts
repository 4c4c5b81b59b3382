/** task_load: a task with its latest thread messages. Read-only, offered always. */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, targetTaskId } from '../../core/tools/helpers.ts';

export const taskLoadTool = defineTool({
  name: 'task_load',
  description: 'Load a task (title, status, assignees, description) with its latest thread messages.',
  effect: 'read',
  capability: 'load task details with thread',
  attributes: { readOnly: true },
  parameters: Type.Object(
    {
      taskId: OptionalTaskId(),
      messageLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'Thread messages to include; default 10' })),
    },
    { additionalProperties: false },
  ),
  availability: () => true,
  async execute(ctx, params) {
    const data = await ctx.backend.loadTaskDetailsForAgentTool({
      agentId: ctx.subject.agentId,
      taskId: targetTaskId(ctx, params.taskId),
      ...(params.messageLimit !== undefined ? { messageLimit: params.messageLimit } : {}),
    });
    return { success: true, data };
  },
});
