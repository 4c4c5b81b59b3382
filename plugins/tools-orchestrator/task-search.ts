/** task_search: find tasks by words in title, description or blocked reason. */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { orchestratorOnly } from './availability.ts';

export const taskSearchTool = defineTool({
  name: 'task_search',
  description: 'Search tasks by text (title, description, blocked reason), best matches first.',
  effect: 'read',
  capability: 'search tasks',
  attributes: { readOnly: true },
  parameters: Type.Object(
    {
      query: Type.String({ minLength: 1, maxLength: 500 }),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'default 20' })),
    },
    { additionalProperties: false },
  ),
  availability: orchestratorOnly,
  async execute(ctx, params) {
    const results = await ctx.backend.searchTasksForAgentTool({
      agentId: ctx.subject.agentId,
      query: params.query,
      limit: params.limit ?? 20,
    });
    return { success: true, data: { results } };
  },
});
