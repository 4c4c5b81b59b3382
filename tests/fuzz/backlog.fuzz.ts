/**
 * Soak: a backlog of 10,000 notifications (passive thread updates over 200 tasks,
 * the agent declines each) on the embedded backend drains on the real process;
 * every notification gets exactly one model turn and is delivered, and memory
 * stays flat. The heap and RSS slopes over the second half of the drain (bytes per
 * 1,000 notifications, least squares over /health samples) are printed.
 * BACKLOG_SIZE overrides the size.
 */
import { describe, expect, it } from 'vitest';
import { newId } from '../../plugins/backend-local/ids.ts';
import { userCreateTask } from '../../plugins/backend-local/admin.ts';
import { Rig, notificationOf, sleep, until } from '../chaos/harness.ts';

const SIZE = Number(process.env.BACKLOG_SIZE ?? 10_000);

function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

describe('soak: notification backlog', () => {
  it(`${SIZE} notifications drain, each delivered once, memory flat`, { timeout: 1_800_000 }, async ({ onTestFinished }) => {
    const rig = await Rig.create({ backend: 'local', delivery: { listLimit: 500, maxConcurrentSessions: 20, contextConcurrency: 20 } });
    onTestFinished(() => rig.close());
    const turns = new Map<string, number>();
    rig.gateway.setDefault((req) => {
      const id = notificationOf(req);
      if (id) turns.set(id, (turns.get(id) ?? 0) + 1);
      return { text: 'NOTHING_TO_ADD' };
    });
    const { seed } = rig.db;
    const agents = [seed.agents.engineer, seed.agents.qa, seed.agents.orion];
    rig.db.write((ctx) => {
      const tasks = Array.from({ length: 200 }, (_, i) => userCreateTask(ctx, seed.userId, { title: `soak ${i}` }));
      const now = Date.now();
      for (let i = 0; i < SIZE; i++) {
        ctx.db.run(
          `INSERT INTO notifications (id, account_id, type, recipient_type, recipient_id, task_id, title, body, created_at)
           VALUES ($id, $a, 'thread_update', 'agent', $r, $t, $title, $body, $c)`,
          { id: newId('ntf'), a: seed.accountId, r: agents[i % 3], t: tasks[i % 200], title: `update ${i}`, body: `New message ${i}`, c: now + i },
        );
      }
    });
    const total = rig.audit().notifications;
    expect(total).toBe(SIZE);
    await rig.start();
    const samples: Array<{ delivered: number; heap: number; rss: number }> = [];
    await until(
      async () => {
        const h = await rig.health().catch(() => undefined);
        const memory = h?.body.memory as { heapUsedBytes: number; rssBytes: number } | undefined;
        const left = rig.audit().undelivered.length;
        if (memory) samples.push({ delivered: total - left, heap: memory.heapUsedBytes, rss: memory.rssBytes });
        if (left > 0) await sleep(2_000);
        return left === 0;
      },
      1_500_000,
      () => ({ left: rig.audit().undelivered.length }),
    );
    const audit = rig.audit();
    expect(audit.undelivered).toEqual([]);
    const twice = [...turns].filter(([, n]) => n !== 1);
    expect({ turns: turns.size, twice: twice.slice(0, 5) }).toEqual({ turns: SIZE, twice: [] });

    const second = samples.filter((s) => s.delivered >= total / 2);
    const heapPerK = slope(second.map((s) => [s.delivered / 1000, s.heap]));
    const rssPerK = slope(second.map((s) => [s.delivered / 1000, s.rss]));
    const mb = (b: number) => (b / 1024 / 1024).toFixed(2);
    console.log(
      `backlog ${SIZE}: ${samples.length} samples; heap ${mb(samples[0].heap)} → ${mb(samples.at(-1)!.heap)} MiB, slope ${mb(heapPerK)} MiB per 1,000 (second half); ` +
        `rss ${mb(samples[0].rss)} → ${mb(samples.at(-1)!.rss)} MiB, slope ${mb(rssPerK)} MiB per 1,000`,
    );
    // The slope is reported, not gated: sampled every 2 s against GC timing it swung between −2.4 and
    // +7.3 MiB per 1,000 on the same code in two runs. The gate is what no GC timing explains: a leak of
    // ≥ 25 KiB per notification would end above 400 MiB of heap after 10,000.
    expect(samples.at(-1)!.heap).toBeLessThan(400 * 1024 * 1024);
  });
});
