/**
 * Property: the HTTP fallback answers any body, header set and token with a
 * classified 4xx (or a 2xx) and a JSON body naming the problem — never a 5xx,
 * never a crash.
 */
import fc from 'fast-check';
import './seed.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startToolsHarness, type ToolsHarness } from '../support/tools-harness.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 120);
let h: ToolsHarness;
let token: string;
beforeAll(async () => {
  h = await startToolsHarness();
  const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
  token = await h.token({ agent: 'engineer', taskId });
});
afterAll(async () => {
  await h?.close();
});

const routes = fc.constantFrom('/agent/task-load', '/agent/task-status', '/agent/task-update', '/agent/document', '/agent/response-request', '/agent/task-create', '/agent/task-list', '/agent/nope', '/agent/');
const body = fc.oneof(fc.json(), fc.string(), fc.anything().map((v) => { try { return JSON.stringify(v) ?? ''; } catch { return ''; } }), fc.constant('{"taskId":'), fc.constant('x'.repeat(3_000_000)));
const tokenValue = fc.oneof(fc.constant(undefined), fc.string(), fc.constant('VALID'), fc.constant('VALID-TAMPERED'), fc.string().map((s) => `mcrt.${s}`));
const headers = fc.dictionary(fc.constantFrom('content-type', 'x-mc-run-token', 'x-openclaw-session-key', 'authorization', 'content-encoding'), fc.string({ maxLength: 80 }).filter((v) => /^[\x20-\x7e]*$/.test(v)), { maxKeys: 3 });

describe('fuzz: HTTP fallback', () => {
  it('never answers 5xx to client input; every refusal is JSON with an error', async () => {
    await fc.assert(
      fc.asyncProperty(routes, body, tokenValue, headers, async (route, payload, t, extra) => {
        const real = t === 'VALID' ? token : t === 'VALID-TAMPERED' ? `${token.slice(0, -2)}xx` : t;
        const res = await h.post(route, payload, { token: real, headers: extra });
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(500);
        if (res.status >= 400) expect(typeof (res.body as { error?: unknown }).error).toBe('string');
      }),
      { numRuns: RUNS },
    );
  });
});
