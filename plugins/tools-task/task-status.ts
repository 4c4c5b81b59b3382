/** task_status: move the run's task (or one the agent is assigned to) along the workflow. */
import Type from 'typebox';
import { AGENT_TARGET_STATUSES } from '../../core/ports/domain.ts';
import { defineTool } from '../../core/tools/registry.ts';
import { OptionalTaskId, requireTaskWriteAccess, StringEnum, targetTaskId, withEnum } from '../../core/tools/helpers.ts';
import { invalidArgument } from '../../core/tools/errors.ts';

const parameters = Type.Object(
  {
    taskId: OptionalTaskId(),
    status: StringEnum(AGENT_TARGET_STATUSES, { description: 'Target status; intermediate steps are walked for you' }),
    blockedReason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Required when status is blocked' })),
  },
  { additionalProperties: false },
);

/** Made once: the executor keeps one frozen copy per schema object (a new one per run would be serialised again). */
const WITHOUT_DONE = withEnum(parameters, 'status', AGENT_TARGET_STATUSES.filter((s) => s !== 'done'));

export const taskStatusTool = defineTool({
  name: 'task_status',
  description:
    'Change the status of a task (in_progress, review, blocked, and done when you may close it). ' +
    'Use before posting your reply. blocked needs a blockedReason.',
  effect: 'mutating',
  capability: 'change task status',
  parameters,
  // The done gate: `done` is offered (and accepted) only with canMarkDone while the task is in review.
  parametersFor: (ctx) => (ctx.capabilities.canMarkDone ? parameters : WITHOUT_DONE),
  availability: (ctx) => ctx.capabilities.hasTaskContext && ctx.capabilities.flags.canModifyTaskStatus,
  async execute(ctx, params) {
    const taskId = targetTaskId(ctx, params.taskId);
    if (params.status === 'blocked' && !params.blockedReason?.trim()) {
      throw invalidArgument('blockedReason', 'blockedReason is required when status is blocked');
    }
    await requireTaskWriteAccess(ctx, taskId);
    const result = await ctx.backend.updateTaskStatusFromAgent({
      taskId,
      agentId: ctx.subject.agentId,
      status: params.status,
      ...(params.blockedReason !== undefined ? { blockedReason: params.blockedReason } : {}),
    });
    return { success: true, taskId: result.taskId, status: result.status, changed: result.changed };
  },
});
