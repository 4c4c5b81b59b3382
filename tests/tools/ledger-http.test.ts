/**
 * Exactly-once effects on the HTTP fallback: within one run (one run token) the
 * same mutating call with the same arguments runs once; the repeat gets the
 * recorded result. A ledger handed over at issue (the delivery plugin passes the
 * notification's) is shared with the function-tool path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLedger } from '../../core/ports/tool-ledger.ts';
import { startToolsHarness, type ToolsHarness } from '../support/tools-harness.ts';

let h: ToolsHarness;
beforeAll(async () => {
  h = await startToolsHarness();
});
afterAll(async () => {
  await h.close();
});

describe('tool-call ledger on the HTTP fallback', () => {
  it('runs a repeated mutating call once per run token, and again under another run', async () => {
    const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const doc = { taskId, title: 'Notes', content: 'first draft', type: 'note' };
    const token = await h.token({ agent: 'engineer', taskId });
    const first = await h.post('/agent/document-upsert', doc, { token });
    const again = await h.post('/agent/document-upsert', { content: 'first draft', type: 'note', title: 'Notes', taskId }, { token });
    expect(first).toMatchObject({ status: 200, body: { success: true } });
    expect(again).toMatchObject({ status: 200, body: first.body });
    expect((await h.backend.listDocumentsForAgent({ taskId })).documents.filter((d) => d.title === 'Notes')).toHaveLength(1);
    // Read tools are never replayed; another run is another scope.
    const other = await h.post('/agent/document-upsert', doc, { token: await h.token({ agent: 'engineer', taskId }) });
    expect(other.status).toBe(200);
    expect((await h.backend.listDocumentsForAgent({ taskId })).documents.filter((d) => d.title === 'Notes')).toHaveLength(2);
  });

  it('shares the ledger the issuer hands over (the notification scope) with the function-tool path', async () => {
    const taskId = await h.createTask({ status: 'in_progress', assignees: ['engineer'] });
    const ledger = memoryLedger();
    const ctx = { ...(await h.context({ agent: 'engineer', taskId })), ledger };
    const args = { taskId, title: 'Shared', content: 'x', type: 'note' };
    expect(await h.executor.execute(ctx, 'document_upsert', args)).toMatchObject({ outcome: 'ok' });
    const claims = { agentId: h.agents.engineer._id, agentSlug: 'engineer', taskId, notificationId: 'n-shared', capabilities: ctx.capabilities };
    const token = h.tokens.issue(claims, undefined, { ledger });
    const viaHttp = await h.post('/agent/document-upsert', args, { token });
    expect(viaHttp.status).toBe(200);
    expect((await h.backend.listDocumentsForAgent({ taskId })).documents.filter((d) => d.title === 'Shared')).toHaveLength(1);
  });
});
