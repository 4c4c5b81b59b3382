/**
 * response_request: ask other agents to respond on a task. It creates
 * notifications, so on success the delivery loop is woken to deliver them.
 */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, SlugList, targetTaskId } from '../../core/tools/helpers.ts';

export const responseRequestTool = defineTool({
  name: 'response_request',
  description: 'Ask other agents (by slug) to respond on a task; they are notified. @mentions in your reply do not replace this.',
  effect: 'mutating',
  capability: 'request agent responses',
  parameters: Type.Object(
    {
      taskId: OptionalTaskId(),
      recipientSlugs: SlugList('Agents to ask, e.g. ["qa"]', { minItems: 1, maxItems: 10 }),
      message: Type.String({ minLength: 1, maxLength: 1000, description: 'What you need from them' }),
    },
    { additionalProperties: false },
  ),
  availability: (ctx) => ctx.capabilities.hasTaskContext && ctx.capabilities.flags.canMentionAgents,
  async execute(ctx, params) {
    const { notificationIds } = await ctx.backend.createResponseRequestNotifications({
      requesterAgentId: ctx.subject.agentId,
      taskId: targetTaskId(ctx, params.taskId),
      recipientSlugs: params.recipientSlugs.map((s) => s.trim().replace(/^@/, '')),
      message: params.message,
    });
    if (notificationIds.length > 0) ctx.notifyWork();
    return { success: true, data: { notificationIds } };
  },
});
