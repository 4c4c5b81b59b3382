import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/ports/gateway.ts';
import { parseResponsesAnswer } from './response.ts';

const json = (status: number, body: unknown) => ({ status, contentType: 'application/json', body: JSON.stringify(body) });

function errorOf(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError) return err;
    throw err;
  }
  throw new Error('expected a GatewayError');
}

describe('parseResponsesAnswer', () => {
  it('assembles text from output_text parts of message items only', () => {
    const parsed = parseResponsesAnswer(
      json(200, {
        id: 'resp_1',
        status: 'completed',
        output: [
          { type: 'reasoning', summary: [{ type: 'summary_text', text: 'SECRET THOUGHT' }], content: [{ type: 'reasoning_text', text: 'SECRET THOUGHT' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello' }, { type: 'refusal', refusal: 'no' }] },
          { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'World' }] },
        ],
        usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
      }),
    );
    expect(parsed).toEqual({ id: 'resp_1', text: 'Hello\n\nWorld', toolCalls: [], usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } });
  });

  it('ignores a top-level output_text (current gateways have none; it is not trusted)', () => {
    const parsed = parseResponsesAnswer(json(200, { status: 'completed', output_text: 'legacy', output: [] }));
    expect(parsed.text).toBeNull();
  });

  it('returns function calls with the gateway call_id and stringifies object arguments', () => {
    const parsed = parseResponsesAnswer(
      json(200, {
        status: 'completed',
        output: [
          { type: 'function_call', id: 'call_x', call_id: '0c22fde00', name: 'task_status', arguments: '{"task_id":"T-42"}' },
          { type: 'function_call', call_id: 'abc', name: 'noop', arguments: { a: 1 } },
        ],
      }),
    );
    expect(parsed.toolCalls).toEqual([
      { callId: '0c22fde00', name: 'task_status', arguments: '{"task_id":"T-42"}' },
      { callId: 'abc', name: 'noop', arguments: '{"a":1}' },
    ]);
  });

  it('refuses a function call without call_id instead of dropping it', () => {
    expect(errorOf(() => parseResponsesAnswer(json(200, { status: 'completed', output: [{ type: 'function_call', name: 'x', arguments: '{}' }] }))).kind).toBe(
      'invalid_response',
    );
  });

  it('treats non-JSON and shapeless bodies as errors, never as text', () => {
    const html = errorOf(() => parseResponsesAnswer({ status: 200, contentType: 'text/html', body: '<html>502 Bad Gateway</html>' }));
    expect(html.kind).toBe('invalid_response');
    expect(html.answered).toBe(true);
    expect(errorOf(() => parseResponsesAnswer(json(200, { text: 'hi' }))).kind).toBe('invalid_response');
    expect(errorOf(() => parseResponsesAnswer({ status: 200, contentType: null, body: '' })).kind).toBe('invalid_response');
  });

  it('surfaces failed and incomplete runs', () => {
    const failed = errorOf(() => parseResponsesAnswer(json(200, { status: 'failed', output: [], error: { code: 'api_error', message: 'boom' } })));
    expect(failed.kind).toBe('failed');
    expect(failed.message).toContain('api_error: boom');
    const incomplete = errorOf(() =>
      parseResponsesAnswer(json(200, { status: 'incomplete', output: [], incomplete_details: { reason: 'max_output_tokens' } })),
    );
    expect(incomplete.kind).toBe('incomplete');
    expect(incomplete.message).toContain('max_output_tokens');
  });

  it('classifies HTTP errors: 500 failed body is an answered failure, 4xx permanent, 5xx transient', () => {
    const noReply = errorOf(() => parseResponsesAnswer(json(500, { status: 'failed', output: [], error: { code: 'api_error', message: 'internal error' } })));
    expect(noReply).toMatchObject({ kind: 'failed', status: 500, permanent: false, answered: true });
    const bad = errorOf(() => parseResponsesAnswer(json(400, { error: { message: "Unknown agent 'gamma'.", type: 'invalid_request_error' } })));
    expect(bad).toMatchObject({ kind: 'http', status: 400, permanent: true, answered: true });
    expect(bad.message).toContain("Unknown agent 'gamma'");
    const unavailable = errorOf(() => parseResponsesAnswer({ status: 503, contentType: 'text/plain', body: 'busy' }));
    expect(unavailable).toMatchObject({ kind: 'http', status: 503, permanent: false });
  });

  it('keeps error messages short and free of tokens', () => {
    const body = `Bearer abc.def token=s3cr3t-token ${'x'.repeat(5000)}`;
    const err = errorOf(() => parseResponsesAnswer({ status: 502, contentType: 'text/plain', body }, ['s3cr3t-token']));
    expect(err.message.length).toBeLessThan(250);
    expect(err.message).not.toContain('s3cr3t-token');
    expect(err.message).not.toContain('abc.def');
  });
});
