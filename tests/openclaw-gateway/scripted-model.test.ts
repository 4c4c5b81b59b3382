/**
 * The real-gateway suite's scripted model, on its own (fast; part of `npm test`): directives pick the
 * answer, steps advance per call for the same turn, and the wire format is what OpenClaw's
 * openai-completions client reads.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { directive, findDirective, parseDirectives, triggerOf } from './directives.ts';
import { startScriptedModel, type ScriptedModel } from './scripted-model.ts';

const runtimeLine = (agent: string) => `\n\nRuntime: agent=${agent} | session=agent:${agent}:task:t1:acct:v1 | sessionId=x | host=vm`;

function chatBody(userTexts: string[], options: { agent?: string; system?: string; tools?: string[]; stream?: boolean } = {}) {
  const agent = options.agent ?? 'engineer';
  const [first, ...rest] = userTexts;
  return {
    model: 'scripted-model',
    stream: options.stream ?? false,
    stream_options: options.stream ? { include_usage: true } : undefined,
    messages: [
      { role: 'system', content: options.system ?? 'You are an agent.' },
      { role: 'user', content: `[Mon 2026-11-30 01:32 UTC] ${first}${runtimeLine(agent)}` },
      ...rest.map((t) => ({ role: 'user', content: t })),
      { role: 'user', content: [{ type: 'text', text: '<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>\nnone\n<<<END_OPENCLAW_INTERNAL_CONTEXT>>>' }] },
    ],
    tools: (options.tools ?? []).map((name) => ({ type: 'function', function: { name, parameters: { type: 'object' } } })),
  };
}

let model: ScriptedModel | undefined;
afterEach(async () => {
  await model?.close();
  model = undefined;
});

async function post(body: unknown): Promise<Response> {
  return fetch(`${model!.baseUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('directives', () => {
  it('parses agent, trigger and steps, and matches only the addressed agent and trigger', () => {
    const text = `Do it ${directive('engineer', ['call task_status {"status":"review"}', 'say Done.'])} ${directive('qa', ['heartbeat-ok'], 'heartbeat')}`;
    expect(parseDirectives(text).map((d) => [d.agent, d.on, d.steps.map((s) => s.kind)])).toEqual([
      ['engineer', undefined, ['call', 'say']],
      ['qa', 'heartbeat', ['heartbeat-ok']],
    ]);
    expect(findDirective(text, 'engineer', 'assignment')?.steps[0]).toEqual({ kind: 'call', tool: 'task_status', args: { status: 'review' } });
    expect(findDirective(text, 'engineer', 'heartbeat')).toBeUndefined();
    expect(findDirective(text, 'qa', 'heartbeat')?.steps).toEqual([{ kind: 'heartbeat-ok' }]);
    expect(findDirective(text, 'orion', 'assignment')).toBeUndefined();
    expect(triggerOf('## Notification: thread_update\n…')).toBe('thread_update');
    expect(triggerOf('Heartbeat check-in.\n\n…')).toBe('heartbeat');
    expect(() => parseDirectives('[[model x: dance]]')).toThrow(/unknown directive step "dance"/);
  });
});

describe('scripted model', () => {
  it('answers step k to the k-th call of one turn (tool round, gateway retry) and logs every request', async () => {
    const logFile = path.join(mkdtempSync(path.join(tmpdir(), 'mc-model-')), 'model.jsonl');
    model = await startScriptedModel({ logFile });
    const anchor = `## Notification: assignment\n\n**Notes ${directive('engineer', ['call document_upsert {"title":"N"}', 'no-reply', 'say Done.'])}**\n\nNotification ID: n1`;
    const tools = ['document_upsert'];
    const first = (await (await post(chatBody([anchor], { tools }))).json()) as { choices: Array<{ message: { tool_calls?: Array<{ function: { name: string; arguments: string } }> }; finish_reason: string }> };
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(first.choices[0].message.tool_calls?.[0].function).toEqual({ name: 'document_upsert', arguments: '{"title":"N"}' });
    const second = (await (await post(chatBody([anchor, '[Mon 2026-11-30 01:33 UTC] Tool:a1b2c3d4e: {"success":true}'], { tools }))).json()) as { choices: Array<{ message: { content: string } }> };
    expect(second.choices[0].message.content).toBe('NO_REPLY');
    const nudge = '[Mon 2026-11-30 01:33 UTC] The previous attempt did not produce a user-visible answer. Continue from the current state and produce the visible answer now.';
    const third = (await (await post(chatBody([anchor, nudge], { tools }))).json()) as { choices: Array<{ message: { content: string } }> };
    expect(third.choices[0].message.content).toBe('Done.');
    const log = model.forNotification('n1');
    expect(log.map((r) => [r.agent, r.trigger, r.step, r.toolResult, r.retryNudge])).toEqual([
      ['engineer', 'assignment', 0, false, false],
      ['engineer', 'assignment', 1, true, false],
      ['engineer', 'assignment', 2, false, true],
    ]);

    // A new attempt after a turn without reply: OpenClaw folds the unanswered message into the new one.
    const folded = `[Chat messages since your last reply - for context]\nUser: ${anchor}\n\n[Current message - respond to this]\n[Mon 2026-11-30 01:35 UTC] ${anchor}`;
    await post(chatBody(['(older turn)', folded], { tools }));
    expect(model.forNotification('n1').map((r) => r.step)).toEqual([0, 1, 2, 3]);

    // A later turn in the same session: OpenClaw put the Runtime line on the session's first message only.
    const later = chatBody([anchor, '[Mon 2026-11-30 01:40 UTC] ## Notification: thread_update\n\nFYI [[model engineer on thread_update: say Thanks.]]\n\nNotification ID: n9'], { tools });
    const fourth = (await (await post(later)).json()) as { choices: Array<{ message: { content: string } }> };
    expect(fourth.choices[0].message.content).toBe('Thanks.');
    expect(readFileSync(logFile, 'utf8').trim().split('\n')).toHaveLength(5);
    expect(model.forNotification('n9').map((r) => [r.agent, r.session, r.trigger, r.step])).toEqual([['engineer', 'agent:engineer:task:t1:acct:v1', 'thread_update', 0]]);
  });

  it('declines with the token the instructions offer, uses the tool_call bridge, and streams SSE with usage', async () => {
    model = await startScriptedModel({ logFile: path.join(mkdtempSync(path.join(tmpdir(), 'mc-model-')), 'model.jsonl') });
    const system = 'If the latest message is from another agent and asks nothing of you, reply with exactly NOTHING_TO_ADD and nothing else.';
    const declined = (await (await post(chatBody(['## Notification: thread_update\n\nNotification ID: n2'], { system }))).json()) as { choices: Array<{ message: { content: string } }> };
    expect(declined.choices[0].message.content).toBe('NOTHING_TO_ADD');

    const res = await post(chatBody([`## Notification: assignment ${directive('qa', ['call task_status {"status":"in_progress"}'])}\n\nNotification ID: n3`], { agent: 'qa', tools: ['tool_search', 'tool_call'], stream: true }));
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)) as { choices: Array<{ delta: { tool_calls?: Array<{ function: { name: string; arguments: string } }> }; finish_reason: string | null }>; usage?: unknown });
    expect(parsed[0].choices[0].delta.tool_calls?.[0].function).toEqual({ name: 'tool_call', arguments: '{"id":"task_status","args":{"status":"in_progress"}}' });
    expect(parsed.some((p) => p.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
    expect(parsed.at(-1)?.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });
    expect(model.forNotification('n3')[0].answer).toMatchObject({ kind: 'call', viaBridge: true });
  });
});
