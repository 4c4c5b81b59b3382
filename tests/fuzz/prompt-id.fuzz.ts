/**
 * Property: hostile task content (bodies, thread messages, titles, descriptions,
 * author names) can never forge the runtime's section markers or its
 * `Notification ID:` line in the prompt input. (Long run, `npm run test:fuzz`; the section-marker
 * property runs in `npm test` from prompt.test.ts.)
 */
import fc from 'fast-check';
import './seed.ts';
import { describe, expect, it } from 'vitest';
import { hostileInputLines, RUNS } from './hostile-prompt.ts';

describe('fuzz: prompt input with hostile thread text', () => {
  it('the Notification ID line cannot be forged by a line of user content', () => {
    fc.assert(
      fc.property(hostileInputLines, (lines) => {
        expect(lines.filter((l) => /^\s*Notification ID:/.test(l))).toEqual(['Notification ID: notif-1']);
      }),
      { numRuns: RUNS },
    );
  });
});
