/** task_list: tasks of the account, filtered by status and/or assignee. */
import Type from 'typebox';
import { TASK_STATUSES } from '../../core/ports/domain.ts';
import { defineTool } from '../../core/tools/registry.ts';
import { resolveSlugs, StringEnum } from '../../core/tools/helpers.ts';
import { orchestratorOnly } from './availability.ts';

export const taskListTool = defineTool({
  name: 'task_list',
  description: 'List tasks of the account, newest activity first; filter by status and/or assignee slug.',
  effect: 'read',
  capability: 'list tasks',
  attributes: { readOnly: true },
  parameters: Type.Object(
    {
      status: Type.Optional(StringEnum(TASK_STATUSES)),
      assigneeSlug: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
    },
    { additionalProperties: false },
  ),
  availability: orchestratorOnly,
  async execute(ctx, params) {
    const assigneeAgentId = params.assigneeSlug ? (await resolveSlugs(ctx, 'assigneeSlug', [params.assigneeSlug]))[0] : undefined;
    const tasks = await ctx.backend.listTasksForAgentTool({
      agentId: ctx.subject.agentId,
      ...(params.status !== undefined ? { status: params.status } : {}),
      ...(assigneeAgentId !== undefined ? { assigneeAgentId } : {}),
      ...(params.limit !== undefined ? { limit: params.limit } : {}),
    });
    return { success: true, data: { tasks } };
  },
});
