/**
 * task_create: create a task. Never straight into done or archived (§15.2: that
 * skipped the QA gate); assignees only from the orchestrator, which never
 * assigns itself.
 */
import Type from 'typebox';
import { defineTool } from '../../core/tools/registry.ts';
import { resolveSlugs, SlugList, StringEnum, withoutProperties } from '../../core/tools/helpers.ts';
import { invalidArgument } from '../../core/tools/errors.ts';

export const CREATABLE_STATUSES = ['inbox', 'assigned', 'in_progress', 'review', 'blocked'] as const;

const parameters = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 2000 }),
    description: Type.Optional(Type.String({ maxLength: 100_000 })),
    priority: Type.Optional(Type.Integer({ minimum: 1, maximum: 5, description: '1 = highest, 5 = lowest; default 3' })),
    labels: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
    status: Type.Optional(StringEnum(CREATABLE_STATUSES, { description: 'Initial status; default inbox (assigned when assignees are given)' })),
    blockedReason: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Required when status is blocked' })),
    dueDate: Type.Optional(Type.Integer({ minimum: 0, description: 'Due date, epoch milliseconds' })),
    assigneeSlugs: Type.Optional(SlugList('Orchestrator only: agents to assign')),
  },
  { additionalProperties: false },
);

export const taskCreateTool = defineTool({
  name: 'task_create',
  description: 'Create a new task. Statuses at creation: inbox, assigned, in_progress, review, blocked (blocked needs blockedReason).',
  effect: 'mutating',
  capability: 'create tasks',
  parameters,
  parametersFor: (ctx) => (ctx.capabilities.isOrchestrator ? parameters : withoutProperties(parameters, ['assigneeSlugs'])),
  availability: (ctx) => ctx.capabilities.flags.canCreateTasks,
  async execute(ctx, params) {
    if (params.status === 'blocked' && !params.blockedReason?.trim()) {
      throw invalidArgument('blockedReason', 'blockedReason is required when status is blocked');
    }
    let assignedAgentIds: string[] | undefined;
    if (params.assigneeSlugs) {
      // The orchestrator coordinates; it never assigns work to itself.
      assignedAgentIds = (await resolveSlugs(ctx, 'assigneeSlugs', params.assigneeSlugs)).filter((id) => id !== ctx.subject.agentId);
    }
    const status = params.status;
    if (ctx.capabilities.isOrchestrator && (status === 'assigned' || status === 'in_progress') && !assignedAgentIds?.length) {
      throw invalidArgument('assigneeSlugs', `status ${status} needs assigneeSlugs naming other agents (the orchestrator does not self-assign)`);
    }
    const { assigneeSlugs: _slugs, ...fields } = params;
    const { taskId } = await ctx.backend.createTaskFromAgent({
      ...fields,
      agentId: ctx.subject.agentId,
      ...(assignedAgentIds?.length ? { assignedAgentIds } : {}),
    });
    return { success: true, taskId };
  },
});
