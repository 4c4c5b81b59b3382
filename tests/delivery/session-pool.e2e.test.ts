/**
 * What `maxConcurrentSessions` bounds: agent turns at the gateway, not the
 * backend bookkeeping around them (plugins/delivery/sessions.ts). Real kernel,
 * embedded backend, scripted gateway; no timing asserts: the test holds a
 * write-back open and looks at what the gateway received meanwhile.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { agentMessages, eventually, startHarness, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('session pool', () => {
  it("starts the next session's turn while a finished turn's reply is still being written back", async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let heldWriteBacks = 0;
    h = await startHarness({
      delivery: { maxConcurrentSessions: 1 },
      wrapBackend: (port) => ({
        ...port,
        async createMessageFromAgent(args) {
          heldWriteBacks++;
          await gate;
          return port.createMessageFromAgent(args);
        },
      }),
    });
    h.gateway.script('engineer', [{ text: 'Engineer reply.' }]);
    h.gateway.script('qa', [{ text: 'QA reply.' }]);
    const a = h.createTask('First', 'engineer');
    const b = h.createTask('Second', 'qa');
    // One turn slot: the first turn ends and its write-back blocks; the second turn still runs.
    await eventually(() => h!.gateway.responsesRequests().length === 2, 15_000, 'both turns at the gateway while the first write-back is held');
    expect(heldWriteBacks).toBeGreaterThanOrEqual(1);
    openGate();
    await eventually(async () => agentMessages(await h!.thread(a)).length === 1 && agentMessages(await h!.thread(b)).length === 1, 15_000, 'both replies');
  });

  it('never has more than maxConcurrentSessions turns at the gateway at once', async () => {
    h = await startHarness({ delivery: { maxConcurrentSessions: 2 } });
    let inTurn = 0;
    let most = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // Each turn waits (up to 3 s) until another one is at the gateway too, so turns overlap whenever the pool allows it.
    const overlapping = async () => {
      inTurn++;
      most = Math.max(most, inTurn);
      for (let i = 0; i < 60 && inTurn < 2; i++) await sleep(50);
      await sleep(50);
      inTurn--;
      return { text: 'Done.' };
    };
    const slugs = ['engineer', 'qa', 'orion'] as const;
    for (const slug of slugs) h.gateway.script(slug, [overlapping, overlapping]);
    const tasks: string[] = [];
    for (let i = 0; i < 2; i++) for (const slug of slugs) tasks.push(h.createTask(`Task ${i} for ${slug}`, slug));
    await eventually(async () => {
      for (const t of tasks) if (agentMessages(await h!.thread(t)).length !== 1) return false;
      return true;
    }, 30_000, 'all six replies');
    expect(most).toBe(2);
  });
});
