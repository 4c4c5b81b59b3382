/**
 * Example: a custom agent tool as a plugin outside plugins/, loaded from the
 * config by path. It registers one tool, `task_word_count`; the runtime derives
 * everything else from that definition: the function tool offered to the model,
 * the HTTP fallback POST /agent/task-word-count (same schema, same checks), the
 * capability line in the prompt, metrics and the OpenAPI entry.
 *
 * A plugin published as an npm package would import these from the runtime
 * package instead of relative paths.
 */
import Type from 'typebox';
import { definePlugin } from '../../../core/plugin.ts';
import { defineTool } from '../../../core/tools/registry.ts';
import { OptionalTaskId, targetTaskId } from '../../../core/tools/helpers.ts';

const Options = Type.Object(
  {
    /** How many thread messages to read at most (the backend caps at 200). */
    maxMessages: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

const countWords = (text: string | undefined): number => (text ?? '').split(/\s+/).filter(Boolean).length;

export default definePlugin({
  id: 'custom-word-count',
  version: '1.0.0',
  description: 'Example custom tool: counts the words of a task and its thread',
  // Tools run against the backend port: require one in the config.
  dependsOn: ['backend'],
  configSchema: Options,
  register(api, options) {
    api.tools.register(
      defineTool({
        name: 'task_word_count',
        description: 'Count the words in a task description and its latest thread messages.',
        capability: 'count the words of a task',
        attributes: { readOnly: true },
        parameters: Type.Object(
          {
            taskId: OptionalTaskId(),
            includeThread: Type.Optional(Type.Boolean({ description: 'Also count thread messages (default true)' })),
          },
          { additionalProperties: false },
        ),
        // Offered in runs that have a task; the executor re-checks this before every call.
        availability: (ctx) => ctx.capabilities.hasTaskContext,
        async execute(ctx, params) {
          const taskId = targetTaskId(ctx, params.taskId);
          const { task, thread } = await ctx.backend.loadTaskDetailsForAgentTool({
            agentId: ctx.subject.agentId,
            taskId,
            messageLimit: options.maxMessages,
          });
          const description = countWords(task.description) + countWords(task.title);
          const messages = params.includeThread === false ? 0 : thread.reduce((sum, m) => sum + countWords(m.content), 0);
          return { success: true, data: { taskId, words: { task: description, thread: messages, total: description + messages } } };
        },
      }),
    );
  },
});
