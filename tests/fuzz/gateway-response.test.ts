/**
 * Property: whatever the gateway answers — any status, malformed or truncated
 * JSON, wrong shapes, huge bodies, SSE streams cut off mid-event — parsing
 * either yields a well-formed result or throws a classified GatewayError.
 * Never another exception, never text from a failed or malformed answer.
 */
import fc from 'fast-check';
import './seed.ts';
import { describe, expect, it } from 'vitest';
import { parseResponsesAnswer } from '../../plugins/gateway-openclaw/response.ts';
import { GatewayError } from '../../core/ports/gateway.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

const item = fc.oneof(
  fc.record({ type: fc.constant('message'), role: fc.option(fc.constantFrom('assistant', 'user', 'system'), { nil: undefined }), content: fc.oneof(fc.string(), fc.array(fc.record({ type: fc.constantFrom('output_text', 'refusal', 'x'), text: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }))) }),
  fc.record({ type: fc.constant('function_call'), call_id: fc.oneof(fc.string(), fc.constant(undefined), fc.integer()), name: fc.oneof(fc.string(), fc.constant(undefined)), arguments: fc.oneof(fc.string(), fc.object(), fc.constant(undefined)) }),
  fc.record({ type: fc.constantFrom('reasoning', 'item_reference', 'unknown') }),
  fc.anything(),
);
const shapedBody = fc.record(
  {
    id: fc.oneof(fc.string(), fc.integer()),
    object: fc.constant('response'),
    status: fc.oneof(fc.constantFrom('completed', 'failed', 'incomplete', 'in_progress', 'queued'), fc.string(), fc.constant(undefined)),
    output: fc.oneof(fc.array(item, { maxLength: 6 }), fc.anything()),
    error: fc.oneof(fc.constant(null), fc.constant(undefined), fc.record({ code: fc.string(), message: fc.string() }), fc.anything()),
    incomplete_details: fc.oneof(fc.record({ reason: fc.oneof(fc.string(), fc.integer()) }), fc.anything()),
    usage: fc.anything(),
  },
  { requiredKeys: [] },
);
const sse = fc.array(fc.oneof(fc.string().map((s) => `data: ${s}`), fc.json().map((j) => `event: response.output_text.delta\ndata: ${j}`), fc.constant('data: [DONE]')), { maxLength: 5 }).map((l) => l.join('\n\n'));
const body = fc.oneof(
  shapedBody.map((b) => JSON.stringify(b)),
  shapedBody.map((b) => JSON.stringify(b)).chain((s) => fc.nat(s.length).map((n) => s.slice(0, n))), // truncated
  fc.json(),
  fc.string(),
  sse,
  fc.constant('x'.repeat(2_000_000)), // huge
  fc.constant(`{"output":[${'{"type":"message","content":[{"type":"output_text","text":"a"}]},'.repeat(20_000)}null]}`),
);

describe('fuzz: gateway /v1/responses answers', () => {
  it('parse to a result or a classified GatewayError, never anything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.option(fc.constantFrom('application/json', 'text/event-stream', 'text/html', 'application/json; charset=utf-8'), { nil: null }), body, (status, contentType, raw) => {
        try {
          const r = parseResponsesAnswer({ status, contentType, body: raw }, ['sekret-token']);
          expect(status >= 200 && status <= 299).toBe(true);
          expect(r.text === null || typeof r.text === 'string').toBe(true);
          expect(Array.isArray(r.toolCalls)).toBe(true);
          for (const c of r.toolCalls) {
            expect(typeof c.callId === 'string' && c.callId.length > 0).toBe(true);
            expect(typeof c.name === 'string' && c.name.length > 0).toBe(true);
            expect(typeof c.arguments).toBe('string');
          }
        } catch (err) {
          if (!(err instanceof GatewayError)) throw err;
          expect(['http', 'failed', 'incomplete', 'invalid_response']).toContain(err.kind);
          expect(err.message.length).toBeLessThan(2_000); // excerpts, never whole bodies
        }
      }),
      { numRuns: RUNS },
    );
  });
});
