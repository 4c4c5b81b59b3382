/** task_message: post a message to another task's thread. */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, targetTaskId } from '../../core/tools/helpers.ts';
import { orchestratorOnly } from './availability.ts';

export const taskMessageTool = defineTool({
  name: 'task_message',
  description: "Post a message to a task's thread (for tasks other than the one you are replying on).",
  effect: 'mutating',
  capability: 'post to task threads',
  parameters: Type.Object(
    {
      taskId: OptionalTaskId(),
      content: Type.String({ minLength: 1, maxLength: 100_000, description: 'Markdown' }),
    },
    { additionalProperties: false },
  ),
  availability: orchestratorOnly,
  async execute(ctx, params) {
    const { messageId } = await ctx.backend.createTaskMessageForAgentTool({
      agentId: ctx.subject.agentId,
      taskId: targetTaskId(ctx, params.taskId),
      content: params.content,
    });
    return { success: true, messageId };
  },
});
