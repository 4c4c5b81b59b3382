/** task_delete: archive a task (terminal) with a reason. */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, targetTaskId } from '../../core/tools/helpers.ts';
import { orchestratorOnly } from './availability.ts';

export const taskDeleteTool = defineTool({
  name: 'task_delete',
  description: 'Archive (delete) a task. Archiving is final; give the reason.',
  effect: 'mutating',
  capability: 'archive tasks',
  attributes: { destructive: true, idempotent: true },
  parameters: Type.Object(
    {
      taskId: OptionalTaskId(),
      reason: Type.String({ minLength: 1, maxLength: 2000 }),
    },
    { additionalProperties: false },
  ),
  availability: orchestratorOnly,
  async execute(ctx, params) {
    const taskId = targetTaskId(ctx, params.taskId);
    await ctx.backend.deleteTaskFromAgent({ agentId: ctx.subject.agentId, taskId, reason: params.reason });
    return { success: true, taskId };
  },
});
