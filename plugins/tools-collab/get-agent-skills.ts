/** get_agent_skills: which skills agents have (all agents, or one by slug). Read-only. */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { resolveSlugs } from '../../core/tools/helpers.ts';

export const getAgentSkillsTool = defineTool({
  name: 'get_agent_skills',
  description: 'List the skills of every agent in the account, or of one agent (agentSlug).',
  effect: 'read',
  capability: 'query agent skills',
  attributes: { readOnly: true },
  parameters: Type.Object(
    { agentSlug: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Only this agent, e.g. "engineer"' })) },
    { additionalProperties: false },
  ),
  availability: () => true,
  async execute(ctx, params) {
    const queryAgentId = params.agentSlug ? (await resolveSlugs(ctx, 'agentSlug', [params.agentSlug]))[0] : undefined;
    const agents = await ctx.backend.getAgentSkillsForTool({
      agentId: ctx.subject.agentId,
      ...(queryAgentId !== undefined ? { queryAgentId } : {}),
    });
    return { success: true, data: { agents } };
  },
});
