/**
 * Every agent tool, four ways each (success, invalid arguments, not available
 * to this agent, refusal by the backend), through both paths an agent can
 * take: the function-tool path (executor.execute, what the delivery loop
 * calls) and the HTTP fallback (POST /agent/<tool>). One table, run against
 * the embedded backend.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startToolsHarness, type Call, type HttpAnswer, type ToolsHarness } from '../support/tools-harness.ts';
import type { ToolExecution } from '../../core/tools/executor.ts';
import { statusForExecution } from '../../plugins/agent-http/status.ts';

type Setup = (h: ToolsHarness) => Promise<Omit<Call, 'tool'>>;

interface Row {
  tool: string;
  success: Setup & { verify?: (h: ToolsHarness, result: Record<string, unknown>, call: Omit<Call, 'tool'>) => Promise<void> };
  invalid: { setup: Setup; field: string };
  /** A context in which the tool is not offered, or why it is offered to everyone. */
  unavailable: Setup | { alwaysOffered: string };
  /** A call the backend refuses, and the HTTP status that refusal maps to. */
  refusal: { setup: Setup; status: number };
}

const MISSING_TASK = 'taskmissing000000000';

/** The engineer working on its own in-progress task. */
const engineerOnTask = (status: 'in_progress' | 'review' | 'done' | 'assigned' = 'in_progress') => async (h: ToolsHarness) => ({
  agent: 'engineer' as const,
  taskId: await h.createTask({ status, assignees: ['engineer'] }),
});
const orionOnTask = async (h: ToolsHarness) => ({ agent: 'orion' as const, taskId: await h.createTask({ status: 'in_progress', assignees: ['engineer'] }) });

function withArgs(setup: (h: ToolsHarness) => Promise<Omit<Call, 'tool' | 'args'>>, args: unknown | ((c: Omit<Call, 'tool' | 'args'>) => unknown)): Setup {
  return async (h) => {
    const base = await setup(h);
    return { ...base, args: typeof args === 'function' ? (args as (c: Omit<Call, 'tool' | 'args'>) => unknown)(base) : args };
  };
}

function success(setup: Setup, verify?: Row['success']['verify']): Row['success'] {
  return Object.assign(setup, { verify });
}

const ROWS: Row[] = [
  {
    tool: 'task_status',
    success: success(withArgs(engineerOnTask(), { status: 'review' }), async (h, r, c) => {
      expect(r).toMatchObject({ success: true, status: 'review', changed: true });
      expect((await h.backend.loadTaskDetailsForAgentTool({ agentId: h.agents.engineer._id, taskId: c.taskId! })).task.status).toBe('review');
    }),
    invalid: { setup: withArgs(engineerOnTask(), { status: 'finished' }), field: 'status' },
    unavailable: withArgs(async () => ({ agent: 'engineer' as const }), { taskId: MISSING_TASK, status: 'review' }),
    refusal: { setup: withArgs(engineerOnTask('done'), { status: 'in_progress' }), status: 422 },
  },
  {
    tool: 'task_update',
    success: success(withArgs(engineerOnTask(), { title: 'Renamed', priority: 2, labels: ['ui'] }), async (h, r, c) => {
      expect(r).toMatchObject({ success: true, changedFields: expect.arrayContaining(['title', 'priority', 'labels']) });
      const { task } = await h.backend.loadTaskDetailsForAgentTool({ agentId: h.agents.engineer._id, taskId: c.taskId! });
      expect(task).toMatchObject({ title: 'Renamed', priority: 2, labels: ['ui'] });
    }),
    invalid: { setup: withArgs(engineerOnTask(), { priority: 9 }), field: 'priority' },
    // Offered with a task in context to agents that may modify status: here the flag is off.
    unavailable: withArgs(async (h) => ({ ...(await engineerOnTask()(h)), capabilities: { flags: { canModifyTaskStatus: false } } }), { title: 'x' }),
    refusal: { setup: withArgs(engineerOnTask('done'), { status: 'blocked', blockedReason: 'waiting' }), status: 422 },
  },
  {
    tool: 'task_create',
    success: success(withArgs(async () => ({ agent: 'orion' as const }), { title: 'Write docs', assigneeSlugs: ['engineer'] }), async (h, r) => {
      const { task } = await h.backend.loadTaskDetailsForAgentTool({ agentId: h.agents.orion._id, taskId: r.taskId as string });
      expect(task).toMatchObject({ title: 'Write docs', status: 'assigned', assignedAgentIds: [h.agents.engineer._id] });
    }),
    invalid: { setup: withArgs(async () => ({ agent: 'orion' as const }), { title: '' }), field: 'title' },
    unavailable: withArgs(async () => ({ agent: 'engineer' as const }), { title: 'Mine' }),
    // The run was offered task_create, but the flag was turned off since: the backend has the last word.
    refusal: { setup: withArgs(async () => ({ agent: 'engineer' as const, capabilities: { flags: { canCreateTasks: true } } }), { title: 'Sneaky' }), status: 403 },
  },
  {
    tool: 'task_load',
    success: success(withArgs(engineerOnTask(), {}), async (_h, r, c) => {
      expect(r).toMatchObject({ success: true, data: { task: { _id: c.taskId } } });
    }),
    invalid: { setup: withArgs(engineerOnTask(), { messageLimit: 0 }), field: 'messageLimit' },
    unavailable: { alwaysOffered: 'read-only, offered to every agent in every run (§7)' },
    refusal: { setup: withArgs(async () => ({ agent: 'engineer' as const }), { taskId: MISSING_TASK }), status: 404 },
  },
  {
    tool: 'task_history',
    success: success(withArgs(engineerOnTask(), { activityLimit: 5 }), async (_h, r) => {
      expect(r).toMatchObject({ success: true, data: { task: expect.any(Object), activities: expect.any(Array), messages: expect.any(Array) } });
    }),
    invalid: { setup: withArgs(engineerOnTask(), { activityLimit: -1 }), field: 'activityLimit' },
    unavailable: withArgs(async () => ({ agent: 'engineer' as const }), { taskId: MISSING_TASK }),
    refusal: { setup: withArgs(engineerOnTask(), { taskId: MISSING_TASK }), status: 404 },
  },
  {
    tool: 'document_upsert',
    success: success(withArgs(engineerOnTask(), { title: 'Notes', content: '# Findings', type: 'note' }), async (h, r, c) => {
      const { documents } = await h.backend.listDocumentsForAgent({ taskId: c.taskId });
      expect(documents.map((d) => d._id)).toContain(r.documentId);
    }),
    invalid: { setup: withArgs(engineerOnTask(), { title: 'Notes', content: 'x', type: 'memo' }), field: 'type' },
    unavailable: withArgs(async (h) => ({ ...(await engineerOnTask()(h)), capabilities: { flags: { canCreateDocuments: false } } }), {
      title: 'Notes',
      content: 'x',
      type: 'note',
    }),
    refusal: { setup: withArgs(engineerOnTask(), { documentId: 'docmissing', title: 'Notes', content: 'x', type: 'note' }), status: 404 },
  },
  {
    tool: 'document_list',
    success: success(withArgs(engineerOnTask(), (c: { taskId?: string }) => ({ taskId: c.taskId, type: 'note' })), async (_h, r) => {
      expect(r).toMatchObject({ success: true, data: { documents: [] } });
    }),
    invalid: { setup: withArgs(engineerOnTask(), { limit: 1000 }), field: 'limit' },
    unavailable: withArgs(async () => ({ agent: 'engineer' as const, capabilities: { flags: { canCreateDocuments: false } } }), {}),
    refusal: { setup: withArgs(engineerOnTask(), { taskId: MISSING_TASK }), status: 404 },
  },
  {
    tool: 'response_request',
    success: success(withArgs(engineerOnTask(), { recipientSlugs: ['@qa'], message: 'Please review' }), async (h, r) => {
      expect(r).toMatchObject({ success: true, data: { notificationIds: [expect.any(String)] } });
      expect(h.notifyWorkCount()).toBeGreaterThan(0);
    }),
    invalid: { setup: withArgs(engineerOnTask(), { recipientSlugs: [], message: 'hi' }), field: 'recipientSlugs' },
    unavailable: withArgs(async () => ({ agent: 'engineer' as const }), { taskId: MISSING_TASK, recipientSlugs: ['qa'], message: 'hi' }),
    refusal: { setup: withArgs(engineerOnTask(), { recipientSlugs: ['nobody'], message: 'hi' }), status: 422 },
  },
  {
    tool: 'get_agent_skills',
    success: success(withArgs(async () => ({ agent: 'engineer' as const }), { agentSlug: 'qa' }), async (_h, r) => {
      expect(r).toMatchObject({ success: true, data: { agents: [expect.objectContaining({ skillIds: expect.any(Array) })] } });
    }),
    invalid: { setup: withArgs(async () => ({ agent: 'engineer' as const }), { agentSlug: 5 }), field: 'agentSlug' },
    unavailable: { alwaysOffered: 'read-only, offered to every agent in every run (§7)' },
    // An agent deleted while its run was going: the backend no longer knows it.
    refusal: { setup: withArgs(async () => ({ agent: 'engineer' as const, agentIdOverride: 'agentgone' }), {}), status: 404 },
  },
  // ---- orchestrator only ----
  {
    tool: 'task_list',
    success: success(withArgs(orionOnTask, { assigneeSlug: 'engineer', status: 'in_progress' }), async (_h, r, c) => {
      expect((r.data as { tasks: Array<{ _id: string }> }).tasks.map((t) => t._id)).toContain(c.taskId);
    }),
    invalid: { setup: withArgs(orionOnTask, { status: 'someday' }), field: 'status' },
    unavailable: withArgs(engineerOnTask(), {}),
    // The run believed it was the orchestrator (the account changed orchestrators since).
    refusal: { setup: withArgs(async () => ({ agent: 'engineer' as const, capabilities: { isOrchestrator: true } }), {}), status: 403 },
  },
  {
    tool: 'task_get',
    success: success(withArgs(orionOnTask, {}), async (_h, r, c) => {
      expect(r).toMatchObject({ success: true, data: { task: { _id: c.taskId } } });
    }),
    invalid: { setup: withArgs(orionOnTask, { taskId: '' }), field: 'taskId' },
    unavailable: withArgs(engineerOnTask(), {}),
    refusal: { setup: withArgs(orionOnTask, { taskId: MISSING_TASK }), status: 404 },
  },
  {
    tool: 'task_thread',
    success: success(withArgs(orionOnTask, { limit: 10 }), async (_h, r) => {
      expect(r).toMatchObject({ success: true, data: { thread: expect.any(Array) } });
    }),
    invalid: { setup: withArgs(orionOnTask, { limit: 'ten' }), field: 'limit' },
    unavailable: withArgs(engineerOnTask(), {}),
    refusal: { setup: withArgs(orionOnTask, { taskId: MISSING_TASK }), status: 404 },
  },
  {
    tool: 'task_search',
    success: success(withArgs(async (h) => ({ agent: 'orion' as const, taskId: await h.createTask({ title: 'Quasar telemetry' }) }), { query: 'quasar' }), async (_h, r, c) => {
      expect((r.data as { results: Array<{ _id: string }> }).results.map((t) => t._id)).toContain(c.taskId);
    }),
    invalid: { setup: withArgs(orionOnTask, {}), field: 'query' },
    unavailable: withArgs(engineerOnTask(), { query: 'x' }),
    refusal: { setup: withArgs(async () => ({ agent: 'engineer' as const, capabilities: { isOrchestrator: true } }), { query: 'x' }), status: 403 },
  },
  {
    tool: 'task_delete',
    success: success(withArgs(orionOnTask, { reason: 'duplicate' }), async (h, _r, c) => {
      expect((await h.backend.getTaskForAgentTool({ agentId: h.agents.orion._id, taskId: c.taskId! }))?.status).toBe('archived');
    }),
    invalid: { setup: withArgs(orionOnTask, { reason: 'x'.repeat(2001) }), field: 'reason' },
    unavailable: withArgs(engineerOnTask(), { reason: 'mine' }),
    refusal: { setup: withArgs(orionOnTask, { taskId: MISSING_TASK, reason: 'gone' }), status: 404 },
  },
  {
    tool: 'task_message',
    success: success(withArgs(orionOnTask, { content: 'Status?' }), async (h, r, c) => {
      const thread = await h.backend.listTaskThreadForAgentTool({ agentId: h.agents.orion._id, taskId: c.taskId! });
      expect(thread.map((m) => m.messageId)).toContain(r.messageId);
    }),
    invalid: { setup: withArgs(orionOnTask, { content: '' }), field: 'content' },
    unavailable: withArgs(engineerOnTask(), { content: 'hi' }),
    refusal: { setup: withArgs(orionOnTask, { taskId: MISSING_TASK, content: 'hi' }), status: 404 },
  },
  {
    tool: 'task_assign',
    success: success(withArgs(orionOnTask, { assigneeSlugs: ['qa'] }), async (h, _r, c) => {
      const task = await h.backend.getTaskForAgentTool({ agentId: h.agents.orion._id, taskId: c.taskId! });
      expect(task?.assignedAgentIds).toEqual([h.agents.engineer._id, h.agents.qa._id]);
    }),
    invalid: { setup: withArgs(orionOnTask, { assigneeSlugs: 'qa' }), field: 'assigneeSlugs' },
    unavailable: withArgs(engineerOnTask(), { assigneeSlugs: ['qa'] }),
    refusal: { setup: withArgs(async (h) => ({ agent: 'orion' as const, taskId: await h.createTask({ status: 'archived' }) }), { assigneeSlugs: ['qa'] }), status: 422 },
  },
  {
    tool: 'task_link_pr',
    success: success(withArgs(orionOnTask, { prNumber: 42 }), async (h, _r, c) => {
      expect((await h.backend.getTaskForAgentTool({ agentId: h.agents.orion._id, taskId: c.taskId! }))?.metadata).toEqual({ prNumber: 42 });
    }),
    invalid: { setup: withArgs(orionOnTask, { prNumber: 4.5 }), field: 'prNumber' },
    unavailable: withArgs(engineerOnTask(), { prNumber: 1 }),
    refusal: { setup: withArgs(orionOnTask, { taskId: MISSING_TASK, prNumber: 7 }), status: 404 },
  },
];

type Path = 'function' | 'http';

interface Normalized {
  ok: boolean;
  status: number;
  result: Record<string, unknown>;
}

async function call(h: ToolsHarness, path: Path, c: Call): Promise<Normalized & { execution?: ToolExecution; answer?: HttpAnswer }> {
  if (path === 'function') {
    const execution = await h.callFunction(c);
    // The function outcome in HTTP terms, so one expectation holds for both paths.
    const status = statusForExecution(execution);
    return { ok: execution.outcome === 'ok', status, result: execution.result, execution };
  }
  const answer = await h.callHttp(c);
  return { ok: answer.status === 200, status: answer.status, result: answer.body, answer };
}

let h: ToolsHarness;
beforeAll(async () => {
  h = await startToolsHarness();
});
afterAll(async () => {
  await h?.close();
});

it('the table covers every registered tool', () => {
  expect(ROWS.map((r) => r.tool).sort()).toEqual(h.kernel.tools.list().map((t) => t.definition.name).sort());
  expect(ROWS).toHaveLength(17);
});

describe.each(ROWS)('$tool', (row) => {
  describe.each(['function', 'http'] as const)('via %s', (path) => {
    it('succeeds', async () => {
      const c = { tool: row.tool, ...(await row.success(h)) };
      const r = await call(h, path, c);
      expect(r.result).toMatchObject({ success: true });
      expect(r.status).toBe(200);
      await row.success.verify?.(h, r.result, c);
    });

    it('rejects invalid arguments, naming the field', async () => {
      const c = { tool: row.tool, ...(await row.invalid.setup(h)) };
      const r = await call(h, path, c);
      expect(r.status).toBe(400);
      expect(r.result).toMatchObject({ success: false, field: row.invalid.field });
      expect(String(r.result.error)).toMatch(/^invalid arguments: /);
      expect(String(r.result.error)).toContain(row.invalid.field);
      if (r.execution) expect(r.execution.outcome).toBe('invalid');
    });

    if ('alwaysOffered' in row.unavailable) {
      it(`is offered to every agent, with or without a task (${row.unavailable.alwaysOffered})`, async () => {
        for (const agent of ['engineer', 'qa', 'orion'] as const) {
          const ctx = await h.context({ agent });
          expect(h.executor.offered(ctx).map((t) => t.definition.name)).toContain(row.tool);
        }
      });
    } else {
      const unavailable = row.unavailable;
      it('is neither offered nor executable where it is not available', async () => {
        const c = { tool: row.tool, ...(await unavailable(h)) };
        const ctx = await h.context(c);
        expect(h.executor.offered(ctx).map((t) => t.definition.name)).not.toContain(row.tool);
        expect(h.executor.functionTools(ctx).map((t) => t.name)).not.toContain(row.tool);
        const r = await call(h, path, c);
        expect(r.status).toBe(403);
        expect(r.result).toEqual({ success: false, error: `Tool ${row.tool} is not available to this agent in this context` });
      });
    }

    it(`reports a backend refusal (HTTP ${row.refusal.status})`, async () => {
      const c = { tool: row.tool, ...(await row.refusal.setup(h)) };
      const r = await call(h, path, c);
      expect(r.result.success).toBe(false);
      expect(typeof r.result.error).toBe('string');
      expect(r.status).toBe(row.refusal.status);
      if (r.execution) expect(r.execution).toMatchObject({ outcome: 'refused', reason: 'refused' });
    });
  });
});
