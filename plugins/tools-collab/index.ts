/**
 * tools-collab: collaboration tools (§7): document_upsert, document_list,
 * response_request and get_agent_skills.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { documentUpsertTool } from './document-upsert.ts';
import { documentListTool } from './document-list.ts';
import { responseRequestTool } from './response-request.ts';
import { getAgentSkillsTool } from './get-agent-skills.ts';

export default definePlugin({
  id: 'tools-collab',
  version: '1.0.0',
  description: 'Agent collaboration tools: document_upsert, document_list, response_request, get_agent_skills',
  dependsOn: ['backend'],
  configSchema: Type.Object({}, { additionalProperties: false }),
  register(api) {
    for (const tool of [documentUpsertTool, documentListTool, responseRequestTool, getAgentSkillsTool]) api.tools.register(tool);
  },
});
