import { describe, expect, it } from 'vitest';
import type { FunctionToolSpec } from '../../core/ports/gateway.ts';
import { buildResponsesRequest, requestJson } from './request.ts';

const spec = (name: string, description = `${name} things`): FunctionToolSpec => ({
  type: 'function',
  name,
  description,
  parameters: { type: 'object', properties: { id: { type: 'string' } }, additionalProperties: false },
});

function build(tools?: readonly FunctionToolSpec[]) {
  return buildResponsesRequest({ agentSlug: 'engineer', gatewaySessionKey: 'agent:engineer:task:t1', input: [{ type: 'message', role: 'user', content: 'hi' }], instructions: 'be brief', tools });
}

describe('the /v1/responses request body', () => {
  it('carries the flat tools and tool_choice with the rest of the body, or neither without tools', () => {
    expect(JSON.parse(requestJson(build([spec('task_status')])))).toEqual({
      model: 'openclaw/engineer',
      input: [{ type: 'message', role: 'user', content: 'hi' }],
      stream: false,
      user: 'agent:engineer:task:t1',
      instructions: 'be brief',
      tool_choice: 'auto',
      tools: [{ type: 'function', name: 'task_status', description: 'task_status things', parameters: spec('x').parameters }],
    });
    for (const tools of [undefined, []]) {
      const body = JSON.parse(requestJson(build(tools))) as Record<string, unknown>;
      expect(body.tools).toBeUndefined();
      expect(body.tool_choice).toBeUndefined();
    }
  });

  it('gives the same JSON for a frozen tool list every time (it is cached), and the current JSON of a list that changed', () => {
    const frozen = Object.freeze([Object.freeze(spec('a')), Object.freeze(spec('b'))]);
    expect(requestJson(build(frozen))).toBe(requestJson(build(frozen)));
    const mutable = [spec('a')];
    const before = JSON.parse(requestJson(build(mutable))) as { tools: Array<{ description: string }> };
    mutable[0] = spec('a', 'changed');
    const after = JSON.parse(requestJson(build(mutable))) as { tools: Array<{ description: string }> };
    expect([before.tools[0].description, after.tools[0].description]).toEqual(['a things', 'changed']);
  });
});
