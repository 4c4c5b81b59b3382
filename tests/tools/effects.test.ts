/**
 * Every built-in tool declares its effect, and the set of mutating tools is the
 * one the tool-call ledger must protect (issue: exactly-once effects).
 */
import { describe, expect, it } from 'vitest';
import { toolEffect } from '../../core/tools/registry.ts';
import { startToolsHarness } from '../support/tools-harness.ts';

describe('tool effects', () => {
  it('marks the nine tools with side effects mutating and the rest read, each explicitly', async () => {
    const h = await startToolsHarness();
    try {
      const tools = h.api.tools.list().map((t) => t.definition);
      for (const tool of tools) expect(tool.effect, tool.name).toBeDefined();
      const mutating = tools.filter((t) => toolEffect(t) === 'mutating').map((t) => t.name).sort();
      expect(mutating).toEqual(['document_upsert', 'response_request', 'task_assign', 'task_create', 'task_delete', 'task_link_pr', 'task_message', 'task_status', 'task_update']);
      expect(tools.length - mutating.length).toBe(8);
    } finally {
      await h.kernel.stop();
    }
  });
});
