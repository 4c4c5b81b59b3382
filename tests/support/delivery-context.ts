/** Builds DeliveryContext values for policy and prompt tests. */
import { DEFAULT_BEHAVIOR_FLAGS, type Agent, type DeliveryContext, type Message, type Notification, type Task } from '../../core/ports/domain.ts';

export const ORCH = 'agent-orch';
export const ENG = 'agent-eng';
export const QA = 'agent-qa';

export interface ContextOverrides {
  notification?: Partial<Notification>;
  task?: Partial<Task> | null;
  message?: Partial<Message> | null;
  agent?: Partial<Agent> | null;
  flags?: Partial<DeliveryContext['effectiveBehaviorFlags']>;
  context?: Partial<DeliveryContext>;
}

export function buildContext(o: ContextOverrides = {}): DeliveryContext {
  const now = 1_800_000_000_000;
  const task: Task | null =
    o.task === null
      ? null
      : { _id: 'task-1', accountId: 'acct', title: 'Ship the widget', status: 'in_progress', priority: 2, assignedUserIds: [], assignedAgentIds: [ENG], labels: [], createdBy: 'user-1', createdAt: now - 1000, updatedAt: now - 500, ...o.task };
  const message: Message | null =
    o.message === null || o.message === undefined
      ? null
      : { _id: 'msg-1', accountId: 'acct', taskId: task?._id ?? 'task-1', authorType: 'user', authorId: 'user-1', content: 'Any progress?', mentions: [], createdAt: now - 100, ...o.message };
  const notification: Notification = {
    _id: 'notif-1',
    accountId: 'acct',
    type: 'assignment',
    recipientType: 'agent',
    recipientId: ENG,
    taskId: task?._id,
    messageId: message?._id,
    title: 'You were assigned',
    body: 'You were assigned to task "Ship the widget"',
    createdAt: now,
    ...o.notification,
  };
  const agent: Agent | null =
    o.agent === null
      ? null
      : { _id: notification.recipientId, accountId: 'acct', name: 'Engineer', slug: 'engineer', role: 'Software engineer', status: 'online', heartbeatInterval: 15, ...o.agent };
  return {
    notification,
    agent,
    task,
    message,
    thread: message ? [{ messageId: message._id, authorType: message.authorType, authorId: message.authorId, authorName: 'Ada', content: message.content, createdAt: message.createdAt }] : [],
    sourceNotificationType: null,
    orchestratorAgentId: ORCH,
    primaryUserMention: { id: 'user-1', name: 'Ada', email: null },
    mentionableAgents: [
      { id: ORCH, slug: 'orion', name: 'Orion', role: 'Orchestrator' },
      { id: ENG, slug: 'engineer', name: 'Engineer', role: 'Software engineer' },
      { id: QA, slug: 'qa', name: 'QA', role: 'QA' },
    ],
    assignedAgents: [{ id: ENG, slug: 'engineer', name: 'Engineer', role: 'Software engineer' }],
    effectiveBehaviorFlags: { ...DEFAULT_BEHAVIOR_FLAGS, ...o.flags },
    deliverySessionKey: `task:${task?._id ?? 'none'}:agent:engineer:acct:v1`,
    repositoryDoc: null,
    globalBriefingDoc: null,
    taskOverview: null,
    ...o.context,
  };
}
