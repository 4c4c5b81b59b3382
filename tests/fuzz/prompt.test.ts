/**
 * Property: hostile task content (bodies, thread messages, titles, descriptions,
 * author names) can never forge the runtime's section markers or its
 * `Notification ID:` line in the prompt input.
 */
import fc from 'fast-check';
import './seed.ts';
import { describe, expect, it } from 'vitest';
import { hostileInputLines, RUNS } from './hostile-prompt.ts';

describe('fuzz: prompt input with hostile thread text', () => {
  it('section markers appear only where the runtime put them, each once', () => {
    fc.assert(
      fc.property(hostileInputLines, (lines) => {
        const markers = lines.filter((l) => /^\s*={3,}.*={3,}\s*$/.test(l));
        for (const m of markers) expect(m).toMatch(/^===== (MAIN USER MESSAGE \(NOTIFICATION BODY\)|REQUEST TO RESPOND TO|STRUCTURED CONTEXT|THREAD HISTORY) (START|END) =====$/);
        const starts = markers.filter((m) => m.endsWith('START ====='));
        expect(new Set(starts).size).toBe(starts.length); // each section once
      }),
      { numRuns: RUNS },
    );
  });
});
