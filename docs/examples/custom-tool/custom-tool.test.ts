/**
 * The custom tool example works as docs/tools.md promises: loaded from a config
 * by path, its one definition shows up in `mc-runtime plugins`, the function
 * tools, the prompt's capability lines, the HTTP fallback and OpenAPI, and it
 * runs end to end through the delivery loop on the scripted gateway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../tests/support/cli.ts';
import { startToolsHarness, type ToolsHarness } from '../../../tests/support/tools-harness.ts';
import { agentMessages, eventually, startHarness } from '../../../tests/delivery/harness.ts';
import { HttpServiceRef } from '../../../core/services.ts';

const EXAMPLE = './docs/examples/custom-tool/index.ts';

describe('custom tool example, loaded by path', () => {
  let h: ToolsHarness;
  let taskId: string;
  beforeAll(async () => {
    h = await startToolsHarness({ extraPlugins: [{ use: EXAMPLE, options: { maxMessages: 5 } }] });
    taskId = await h.createTask({ title: 'Count me', description: 'three more words', status: 'in_progress', assignees: ['engineer'] });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is a plugin from a path that registered its tool', () => {
    expect(h.kernel.plugins().find((p) => p.id === 'custom-word-count')).toMatchObject({
      source: 'path',
      specifier: EXAMPLE,
      state: 'started',
      tools: ['task_word_count'],
    });
  });

  it('is offered as a function tool and a capability line (both modes) where it is available', async () => {
    const ctx = await h.context({ agent: 'engineer', taskId });
    const spec = h.executor.functionTools(ctx).find((t) => t.name === 'task_word_count');
    expect(spec).toMatchObject({ type: 'function', parameters: { type: 'object', properties: { taskId: expect.any(Object), includeThread: { type: 'boolean' } } } });
    const base = h.kernel.services.get(HttpServiceRef)!.baseUrl();
    expect(h.executor.capabilityLines(ctx, 'tools')).toContain('count the words of a task (task_word_count tool)');
    expect(h.executor.capabilityLines(ctx, 'http', base)).toContain(`count the words of a task: POST ${base}/agent/task-word-count`);
    // Without a task in the run it is not offered.
    expect(h.executor.functionTools(await h.context({ agent: 'engineer' })).map((t) => t.name)).not.toContain('task_word_count');
  });

  it('runs through the function path and the HTTP fallback, with the same validation', async () => {
    const fn = await h.callFunction({ agent: 'engineer', taskId, tool: 'task_word_count', args: {} });
    expect(fn).toMatchObject({ outcome: 'ok', result: { success: true, data: { taskId, words: { task: 5, thread: 0, total: 5 } } } });
    const http = await h.callHttp({ agent: 'engineer', taskId, tool: 'task_word_count', args: { includeThread: false } });
    expect(http).toMatchObject({ status: 200, body: { success: true, data: { words: { total: 5 } } } });
    const invalid = await h.callHttp({ agent: 'engineer', taskId, tool: 'task_word_count', args: { includeThread: 'yes' } });
    expect(invalid).toMatchObject({ status: 400, body: { success: false, field: 'includeThread' } });
    const unavailable = await h.callHttp({ agent: 'engineer', tool: 'task_word_count', args: { taskId } });
    expect(unavailable.status).toBe(403);
    const openapi = (await h.app.inject({ method: 'GET', url: '/agent/openapi.json' })).json();
    expect(openapi.paths['/agent/task-word-count'].post).toMatchObject({ operationId: 'task_word_count', summary: 'count the words of a task' });
  });
});

describe('custom tool example, from the CLI', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mc-custom-tool-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('mc-runtime plugins lists it with its tool', async () => {
    const result = await runCli(['plugins', '--config', path.join('docs', 'examples', 'custom-tool', 'runtime.json')], {
      env: { RUNTIME_DATA_DIR: dir },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/custom-word-count@1\.0\.0 +\[path \.\/index\.ts\]\n +depends on: backend\n +tools: +task_word_count/);
  });
});

describe('custom tool example, end to end', () => {
  it('an agent calls it during a delivered notification on the scripted gateway', async () => {
    const h = await startHarness({ extraPlugins: [{ use: EXAMPLE }] });
    try {
      h.gateway.script('engineer', [
        { toolCalls: [{ name: 'task_word_count', arguments: { includeThread: true } }] },
        (req) => {
          const output = JSON.parse(req.toolOutputs[0].output) as { data: { words: { total: number } } };
          return { text: `This task has ${output.data.words.total} words.` };
        },
      ]);
      const taskId = h.createTask('Count every single word', 'engineer');
      const replies = await eventually(async () => {
        const t = agentMessages(await h.thread(taskId));
        return t.length > 0 ? t : undefined;
      }, 15_000, 'agent reply');
      expect(replies.map((m) => m.content)).toEqual(['This task has 4 words.']);
      const [first, second] = h.gateway.responsesRequests().filter((r) => r.agentId === 'engineer');
      expect(first.body.tools.map((t: { name: string }) => t.name)).toContain('task_word_count');
      expect(String(first.body.instructions)).toContain('count the words of a task (task_word_count tool)');
      expect(second.body.input).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'function_call_output' })]));
    } finally {
      await h.close();
    }
  });
});
