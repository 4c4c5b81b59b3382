import { describe, expect, it } from 'vitest';
import { buildContext, ENG, ORCH, QA } from '../../tests/support/delivery-context.ts';
import {
  agentThreadUpdateLoopBreaker,
  canAgentMarkDone,
  decide,
  mayDecline,
  noThreadUpdatesOnClosedTasks,
  orchestratorChatIsForTheOrchestrator,
  retryOnNoResponse,
  staleUserThreadUpdate,
  statusChangeRouting,
} from './rules.ts';

const chat = { labels: ['system:orchestrator-chat'] };

describe('orchestratorChatIsForTheOrchestrator', () => {
  it('delivers orchestrator-chat notifications to the orchestrator', () => {
    const ctx = buildContext({ task: chat, notification: { recipientId: ORCH, type: 'thread_update' } });
    expect(orchestratorChatIsForTheOrchestrator(ctx)).toBe('deliver');
    expect(decide(ctx)).toMatchObject({ action: 'deliver' });
  });
  it('skips orchestrator-chat notifications to any other agent', () => {
    const ctx = buildContext({ task: chat, notification: { recipientId: ENG, type: 'mention' } });
    expect(decide(ctx)).toEqual({ action: 'skip', reason: 'orchestrator chat is only for the orchestrator' });
  });
  it('has no opinion outside the orchestrator chat', () => {
    expect(orchestratorChatIsForTheOrchestrator(buildContext())).toBeUndefined();
  });
});

describe('noThreadUpdatesOnClosedTasks', () => {
  it.each(['done', 'blocked'] as const)('skips thread updates on %s tasks', (status) => {
    const ctx = buildContext({ task: { status }, notification: { type: 'thread_update' }, message: {} });
    expect(decide(ctx)).toEqual({ action: 'skip', reason: `thread update on a ${status} task` });
  });
  it('still delivers a mention on a done task', () => {
    expect(decide(buildContext({ task: { status: 'done' }, notification: { type: 'mention' }, message: {} }))).toBeUndefined();
  });
  it('has no opinion on active tasks', () => {
    expect(noThreadUpdatesOnClosedTasks(buildContext({ notification: { type: 'thread_update' } }))).toBeUndefined();
  });
});

describe('statusChangeRouting', () => {
  it.each(['done', 'blocked'] as const)('skips status changes to %s', (status) => {
    expect(decide(buildContext({ task: { status }, notification: { type: 'status_change' } }))).toEqual({ action: 'skip', reason: `status change to ${status}` });
  });
  it('delivers review status changes to the orchestrator', () => {
    expect(statusChangeRouting(buildContext({ task: { status: 'review' }, notification: { type: 'status_change', recipientId: ORCH } }))).toBe('deliver');
  });
  it('delivers review status changes to agents that review', () => {
    expect(statusChangeRouting(buildContext({ task: { status: 'review' }, notification: { type: 'status_change', recipientId: QA }, flags: { canReviewTasks: true } }))).toBe('deliver');
  });
  it('skips review status changes for agents that do not review', () => {
    expect(decide(buildContext({ task: { status: 'review' }, notification: { type: 'status_change', recipientId: ENG } }))).toEqual({
      action: 'skip',
      reason: 'review status change for an agent that does not review',
    });
  });
  it('lets other status changes through', () => {
    expect(statusChangeRouting(buildContext({ task: { status: 'in_progress' }, notification: { type: 'status_change' } }))).toBeUndefined();
  });
});

describe('agentThreadUpdateLoopBreaker', () => {
  const agentUpdate = (o: Parameters<typeof buildContext>[0] = {}) =>
    buildContext({ ...o, notification: { type: 'thread_update', ...o.notification }, message: { authorType: 'agent', authorId: ENG, ...o.message } });

  it('delivers another agent’s update to the orchestrator', () => {
    expect(agentThreadUpdateLoopBreaker(agentUpdate({ notification: { recipientId: ORCH } }))).toBe('deliver');
  });
  it('delivers an agent update to an assignee', () => {
    expect(agentThreadUpdateLoopBreaker(agentUpdate({ notification: { recipientId: ENG }, message: { authorId: QA } }))).toBe('deliver');
  });
  it('delivers an agent update to a reviewer of a task in review', () => {
    const ctx = agentUpdate({ notification: { recipientId: QA }, task: { status: 'review' }, flags: { canReviewTasks: true } });
    expect(agentThreadUpdateLoopBreaker(ctx)).toBe('deliver');
  });
  it('skips an agent update for an agent neither assigned nor reviewing', () => {
    expect(decide(agentUpdate({ notification: { recipientId: QA } }))).toEqual({ action: 'skip', reason: 'agent thread update for an agent neither assigned nor reviewing' });
  });
  it('breaks reply-to-reply loops between agents', () => {
    const ctx = agentUpdate({ notification: { recipientId: ENG }, message: { authorId: QA }, context: { sourceNotificationType: 'thread_update' } });
    expect(decide(ctx)).toEqual({ action: 'skip', reason: 'agent reply to a thread update (loop breaker)' });
  });
  it('still delivers the orchestrator’s reply to a thread update to assignees', () => {
    const ctx = agentUpdate({ notification: { recipientId: ENG }, message: { authorId: ORCH }, context: { sourceNotificationType: 'thread_update' } });
    expect(agentThreadUpdateLoopBreaker(ctx)).toBe('deliver');
  });
  it('does not apply to user messages', () => {
    expect(agentThreadUpdateLoopBreaker(buildContext({ notification: { type: 'thread_update' }, message: { authorType: 'user' } }))).toBeUndefined();
  });
});

describe('staleUserThreadUpdate', () => {
  it('skips a user thread update when a newer user message exists', () => {
    const base = buildContext({ notification: { type: 'thread_update' }, message: { authorType: 'user', createdAt: 100 } });
    base.thread.push({ messageId: 'msg-2', authorType: 'user', authorId: 'user-1', authorName: 'Ada', content: 'never mind', createdAt: 200 });
    expect(decide(base)).toEqual({ action: 'skip', reason: 'stale thread update (a newer user message exists)' });
  });
  it('keeps it when only agents wrote since', () => {
    const base = buildContext({ notification: { type: 'thread_update' }, message: { authorType: 'user', createdAt: 100 } });
    base.thread.push({ messageId: 'msg-2', authorType: 'agent', authorId: QA, authorName: 'QA', content: 'on it', createdAt: 200 });
    expect(staleUserThreadUpdate(base)).toBeUndefined();
  });
});

describe('default', () => {
  it.each(['assignment', 'mention', 'response_request', 'member_added'] as const)('has no objection to %s', (type) => {
    expect(decide(buildContext({ notification: { type }, message: {} }))).toBeUndefined();
  });
});

describe('canAgentMarkDone', () => {
  it('only from review and only with the flag', () => {
    expect(canAgentMarkDone('review', true)).toBe(true);
    expect(canAgentMarkDone('review', false)).toBe(false);
    expect(canAgentMarkDone('in_progress', true)).toBe(false);
    expect(canAgentMarkDone(undefined, true)).toBe(false);
  });
});

describe('retryOnNoResponse', () => {
  it.each(['assignment', 'mention', 'response_request'] as const)('retries %s', (type) => {
    expect(retryOnNoResponse(buildContext({ notification: { type } }))).toBe(true);
  });
  it('retries a user thread update but not an agent one', () => {
    expect(retryOnNoResponse(buildContext({ notification: { type: 'thread_update' }, message: { authorType: 'user' } }))).toBe(true);
    expect(retryOnNoResponse(buildContext({ notification: { type: 'thread_update' }, message: { authorType: 'agent' } }))).toBe(false);
  });
  it('does not retry status changes', () => {
    expect(retryOnNoResponse(buildContext({ notification: { type: 'status_change' } }))).toBe(false);
  });
});

describe('mayDecline', () => {
  it('never lets an agent decline an assignment or a direct request', () => {
    for (const type of ['assignment', 'mention', 'response_request'] as const) expect(mayDecline(buildContext({ notification: { type } }))).toBe(false);
  });
  it('lets an agent decline a passive thread update', () => {
    expect(mayDecline(buildContext({ notification: { type: 'thread_update' } }))).toBe(true);
  });
});
