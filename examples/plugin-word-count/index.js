// @ts-check
/**
 * Sample plugin package for the Mission Control runtime: one agent tool,
 * `task_word_count`. It imports only the public SDK entry
 * (`mission-control-runtime/plugin-sdk`), so it runs on any runtime whose
 * plugin SDK satisfies the range in `sdk` below.
 *
 * Name it in a deployment's config by package name:
 *   { "plugins": [ ..., { "use": "mc-plugin-word-count", "options": { "maxMessages": 100 } } ] }
 *
 * Written as JavaScript with type checking from the SDK's declarations
 * (`// @ts-check`): Node does not strip types under node_modules, so a
 * published plugin ships JavaScript. A TypeScript plugin compiles to this.
 */
import { definePlugin, defineTool, OptionalTaskId, targetTaskId, Type } from 'mission-control-runtime/plugin-sdk';

const Options = Type.Object(
  {
    /** How many thread messages to read at most (the backend caps at 200). */
    maxMessages: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
  },
  { additionalProperties: false },
);

/** @param {string | undefined} text */
const countWords = (text) => (text ?? '').split(/\s+/).filter(Boolean).length;

export default definePlugin({
  id: 'word-count',
  version: '1.0.0',
  description: 'Counts the words of a task and its thread (sample plugin package)',
  // The plugin SDK this plugin was built for; the runtime refuses it outside this range.
  sdk: '^1.0.0',
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
        // Offered in runs that have a task; the runtime re-checks this before every call.
        availability: (ctx) => ctx.capabilities.hasTaskContext,
        async execute(ctx, params) {
          const taskId = targetTaskId(ctx, params.taskId);
          const { task, thread } = await ctx.backend.loadTaskDetailsForAgentTool({
            agentId: ctx.subject.agentId,
            taskId,
            messageLimit: options.maxMessages,
          });
          const inTask = countWords(task.title) + countWords(task.description);
          const inThread = params.includeThread === false ? 0 : thread.reduce((sum, m) => sum + countWords(m.content), 0);
          return { success: true, data: { taskId, words: { task: inTask, thread: inThread, total: inTask + inThread } } };
        },
      }),
    );
  },
});
