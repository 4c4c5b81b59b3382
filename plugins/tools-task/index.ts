/**
 * tools-task: the task tools every agent may get (§7): task_status,
 * task_update, task_create, task_load and task_history.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { taskStatusTool } from './task-status.ts';
import { taskUpdateTool } from './task-update.ts';
import { taskCreateTool } from './task-create.ts';
import { taskLoadTool } from './task-load.ts';
import { taskHistoryTool } from './task-history.ts';

export default definePlugin({
  id: 'tools-task',
  version: '1.0.0',
  description: 'Agent task tools: task_status, task_update, task_create, task_load, task_history',
  dependsOn: ['backend'],
  configSchema: Type.Object({}, { additionalProperties: false }),
  register(api) {
    for (const tool of [taskStatusTool, taskUpdateTool, taskCreateTool, taskLoadTool, taskHistoryTool]) api.tools.register(tool);
  },
});
