import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalPort } from './port.ts';
import { runLocalCommand } from './cli.ts';
import { openLocalBackend } from './index.ts';

let dir: string;
let dbPath: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mc-cli-'));
  dbPath = join(dir, 'mc.sqlite');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runLocalCommand(argv, { dbPath, out: (l) => lines.push(l) });
  return { code, lines };
}

describe('mc-runtime local', () => {
  it('seeds, prints the token, and the token works against the service', async () => {
    const seeded = await run('seed');
    expect(seeded.code).toBe(0);
    const accountId = seeded.lines.find((l) => l.startsWith('ACCOUNT_ID='))!.slice('ACCOUNT_ID='.length);
    const serviceToken = seeded.lines.find((l) => l.startsWith('SERVICE_TOKEN='))!.slice('SERVICE_TOKEN='.length);
    expect(serviceToken).toMatch(new RegExp(`^mc_service_${accountId}_[0-9a-f]{64}$`));
    expect((await run('seed')).lines[0]).toMatch(/already exists/);
    expect((await run('token')).lines).toEqual([`ACCOUNT_ID=${accountId}`, `SERVICE_TOKEN=${serviceToken}`]);

    const backend = openLocalBackend(dbPath);
    try {
      const port = createLocalPort(backend.service, { accountId, serviceToken });
      expect((await port.listAgents()).map((a) => a.slug)).toEqual(['orion', 'engineer', 'qa']);
    } finally {
      backend.close();
    }
  });

  it('acts as the user: tasks, assignment, messages with mentions, thread, notifications', async () => {
    await run('seed');
    const agents = await run('agents');
    expect(agents.lines).toHaveLength(3);
    expect(agents.lines[0]).toMatch(/^orion\s+Orion\s+Squad Lead.*\(orchestrator\)$/);

    const created = await run('task', 'create', '--title', 'Fix login', '--assign', 'engineer', '--description', 'Users cannot log in');
    expect(created.code).toBe(0);
    const taskId = created.lines[0].split(' ')[2];
    expect(created.lines[1]).toBe(`${taskId} [assigned] p3 Fix login (assigned: engineer)`);

    const inbox = await run('task', 'create', '--title', 'Later');
    const laterId = inbox.lines[0].split(' ')[2];
    expect((await run('task', 'assign', laterId, 'qa')).lines).toEqual([`${laterId} [assigned] p3 Later (assigned: qa)`]);

    const msg = await run('message', taskId, 'Hi @engineer, see the logs');
    expect(msg.lines[0]).toMatch(/^posted message msg/);
    expect(msg.lines.slice(1)).toEqual(['notified engineer (mention)']);
    const plain = await run('message', taskId, 'any update?');
    expect(plain.lines.slice(1).sort()).toEqual(['notified engineer (thread_update)', 'notified orion (thread_update)']);

    const thread = await run('thread', taskId);
    expect(thread.lines[0]).toBe(`${taskId} [assigned] Fix login`);
    expect(thread.lines.slice(1).map((l) => l.replace(/^\S+ \S+ /, ''))).toEqual(['Dana (user): Hi @engineer, see the logs', 'Dana (user): any update?']);

    const pending = await run('notifications');
    expect(pending.lines.map((l) => l.split(/\s+/)[3])).toEqual(['assignment', 'assignment', 'mention', 'thread_update', 'thread_update']);
    expect((await run('tasks')).lines).toHaveLength(2);
    expect((await run('notifications', '--all')).lines).toHaveLength(5);

    expect((await run('request-restart')).lines).toEqual(['restart requested']);
    expect((await run('request-upgrade', '--openclaw', '2026.2.0', '--runtime', '0.2.0')).lines[0]).toMatch(/upgrade requested/);
  });

  it('reports errors with exit codes: 2 for usage, 1 for failures', async () => {
    expect((await run()).code).toBe(2);
    expect((await run('help')).code).toBe(0);
    expect((await run('agents')).lines).toEqual(['error: no account yet: run "mc-runtime local seed" first']);
    await run('seed');
    expect((await run('bogus')).code).toBe(2);
    expect((await run('task', 'create')).code).toBe(2);
    const missing = await run('thread', 'tasknope');
    expect(missing).toEqual({ code: 1, lines: ['error: task tasknope not found'] });
    expect((await run('task', 'create', '--title', 'x', '--assign', 'ghost')).lines).toEqual(['error: no agent with slug "ghost"']);
    expect((await run('--nope')).code).toBe(2);
  });
});
