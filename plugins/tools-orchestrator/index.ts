/**
 * tools-orchestrator: the orchestrator's coordination tools (§7): task_list,
 * task_get, task_thread, task_search, task_delete, task_message, task_assign,
 * task_link_pr. Offered and executable only for the account's orchestrator.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { taskListTool } from './task-list.ts';
import { taskGetTool } from './task-get.ts';
import { taskThreadTool } from './task-thread.ts';
import { taskSearchTool } from './task-search.ts';
import { taskDeleteTool } from './task-delete.ts';
import { taskMessageTool } from './task-message.ts';
import { taskAssignTool } from './task-assign.ts';
import { taskLinkPrTool } from './task-link-pr.ts';

export default definePlugin({
  id: 'tools-orchestrator',
  version: '1.0.0',
  description: 'Orchestrator-only tools: task_list, task_get, task_thread, task_search, task_delete, task_message, task_assign, task_link_pr',
  dependsOn: ['backend'],
  configSchema: Type.Object({}, { additionalProperties: false }),
  register(api) {
    for (const tool of [taskListTool, taskGetTool, taskThreadTool, taskSearchTool, taskDeleteTool, taskMessageTool, taskAssignTool, taskLinkPrTool]) {
      api.tools.register(tool);
    }
  },
});
