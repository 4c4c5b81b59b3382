/** task_link_pr: record the pull request that implements a task. */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, targetTaskId } from '../../core/tools/helpers.ts';
import { orchestratorOnly } from './availability.ts';

export const taskLinkPrTool = defineTool({
  name: 'task_link_pr',
  description: 'Link a task to its GitHub pull request number.',
  effect: 'mutating',
  capability: 'link tasks to pull requests',
  attributes: { idempotent: true },
  parameters: Type.Object(
    {
      taskId: OptionalTaskId(),
      prNumber: Type.Integer({ minimum: 1 }),
    },
    { additionalProperties: false },
  ),
  availability: orchestratorOnly,
  async execute(ctx, params) {
    const taskId = targetTaskId(ctx, params.taskId);
    await ctx.backend.linkTaskToPrForAgentTool({ agentId: ctx.subject.agentId, taskId, prNumber: params.prNumber });
    return { success: true, data: { taskId, prNumber: params.prNumber } };
  },
});
