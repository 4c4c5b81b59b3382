/**
 * SIGTERM while an agent run is in flight, on the real process: the run either
 * finishes within the drain budget (reply posted and notification delivered)
 * or is cancelled and left undelivered for the next start, which delivers it
 * once. Never half-written: a posted reply always comes with a delivered
 * notification, and an undelivered one never left a reply behind.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.ts';
import { startScriptedGateway, type ScriptedGateway } from '../support/scripted-gateway.ts';
import { openLocalBackend } from '../../plugins/backend-local/index.ts';
import { createLocalPort } from '../../plugins/backend-local/port.ts';
import { seedDemoAccount, type SeedResult } from '../../plugins/backend-local/seed.ts';
import { userCreateTask, withAccount } from '../../plugins/backend-local/admin.ts';
import { eventually, tempDir } from './helpers.ts';

const gateways: ScriptedGateway[] = [];
afterEach(async () => {
  while (gateways.length) await gateways.pop()!.close();
});

async function setup(shutdownTimeoutMs: number) {
  const dir = tempDir('mc-sigterm-');
  const dbPath = path.join(dir, 'mc.sqlite');
  const local = openLocalBackend(dbPath);
  const seed: SeedResult = seedDemoAccount(local.db);
  const taskId = withAccount(local.db, seed.accountId, 'write', (ctx) => userCreateTask(ctx, seed.userId, { title: 'Finish the report', assignedAgentIds: [seed.agents.engineer] }));
  local.close();
  const gateway = await startScriptedGateway({ agents: ['orion', 'engineer', 'qa'] });
  gateways.push(gateway);
  gateway.setDefault({ text: 'NOTHING_TO_ADD' });
  const config = path.join(dir, 'runtime.json');
  writeFileSync(
    config,
    JSON.stringify({
      runtime: { dataDir: dir, shutdownTimeoutMs },
      plugins: [
        { use: 'http', options: { port: 0 } },
        'runtime-info',
        { use: 'backend-local', options: { path: dbPath } },
        { use: 'gateway-openclaw', options: { url: gateway.url, probeIntervalMs: 200, downRetryMinMs: 100 } },
        'health',
        'delivery-policy',
        'tools-task',
        'tools-collab',
        'tools-orchestrator',
        { use: 'delivery', options: { intervalMs: 1000, backoffBaseMs: 100, backoffMaxMs: 400, runTimeoutMs: 60_000 } },
        { use: 'status-report', options: { initialGraceMs: 0 } },
      ],
    }),
  );

  /** What the backend holds for the engineer's notification and the task thread. */
  async function state() {
    const b = openLocalBackend(dbPath);
    try {
      const port = createLocalPort(b.service, { accountId: seed.accountId, serviceToken: seed.serviceToken });
      const undelivered = (await port.listUndeliveredNotifications({ limit: 500 })).filter((n) => n.recipientId === seed.agents.engineer && n.taskId === taskId);
      const thread = (await port.loadTaskDetailsForAgentTool({ agentId: seed.agents.orion, taskId, messageLimit: 200 })).thread;
      return { undelivered: undelivered.length, replies: thread.filter((m) => m.authorType === 'agent').map((m) => m.content) };
    } finally {
      b.close();
    }
  }
  const engineerAsked = () => gateway.responsesRequests().some((r) => r.agentId === 'engineer');
  return { dir, config, gateway, state, engineerAsked };
}

describe('SIGTERM during a delivery (real process)', () => {
  it('lets a run that fits the drain budget finish: reply posted once, notification delivered, exit 0', async () => {
    const s = await setup(4_000);
    s.gateway.script('engineer', [{ text: 'Report finished.', delayMs: 1_000 }]);
    const run = startCli(['--config', s.config]);
    await run.waitFor(/"msg":"runtime started"/);
    await eventually(s.engineerAsked, 15_000);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/"msg":"runtime stopped"/);
    expect(await s.state()).toEqual({ undelivered: 0, replies: ['Report finished.'] });
  });

  it('cancels a run that outlasts the budget and leaves it undelivered; the next start delivers it once', async () => {
    const s = await setup(1_500);
    s.gateway.script('engineer', [{ text: 'Too late.', delayMs: 30_000 }]);
    const run = startCli(['--config', s.config]);
    await run.waitFor(/"msg":"runtime started"/);
    await eventually(s.engineerAsked, 15_000);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).toMatch(/cancelling runs in flight/);
    expect(await s.state()).toEqual({ undelivered: 1, replies: [] });

    s.gateway.reset();
    s.gateway.setDefault({ text: 'NOTHING_TO_ADD' });
    s.gateway.script('engineer', [{ text: 'Report finished after restart.' }]);
    const again = startCli(['--config', s.config]);
    await again.waitFor(/"msg":"runtime started"/);
    await eventually(async () => (await s.state()).undelivered === 0, 15_000);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
    expect(await s.state()).toEqual({ undelivered: 0, replies: ['Report finished after restart.'] });
  });
});
