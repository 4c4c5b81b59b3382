/**
 * Backend calls are metered where the port is provided: the embedded backend
 * (real SQLite file, real kernel) and the Convex adapter (real HTTP to a closed
 * port) both count calls by function and outcome and time them.
 */
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestKernel, type TestKernel } from '../tests/support/test-kernel.ts';
import { assertValidExposition, sampleValue } from '../tests/support/prom-format.ts';
import { BackendService } from './services.ts';

const kernels: TestKernel[] = [];
afterEach(async () => {
  while (kernels.length) await kernels.pop()!.kernel.stop();
});

async function families(t: TestKernel) {
  return assertValidExposition(await t.kernel.metrics.registry.metrics());
}

describe('runtime_backend_calls_total and runtime_backend_call_duration_seconds', () => {
  it('count every embedded-backend call by function and outcome', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mc-backend-metrics-'));
    const t = await createTestKernel({ plugins: [{ use: 'backend-local', options: { path: path.join(dir, 'mc.sqlite') } }] });
    kernels.push(t);
    await t.kernel.start();
    const backend = t.kernel.services.get(BackendService)!;
    const agents = await backend.listAgents();
    await backend.listAgents();
    await expect(backend.createTaskMessageForAgentTool({ agentId: agents[0]._id, taskId: 'no-such-task', content: 'hi' })).rejects.toMatchObject({ kind: 'rejected' });
    const f = await families(t);
    expect(sampleValue(f, 'runtime_backend_calls_total', { function: 'listAgents', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(f, 'runtime_backend_calls_total', { function: 'createTaskMessageForAgentTool', outcome: 'rejected' })).toBe(1);
    expect(f.get('runtime_backend_call_duration_seconds')?.type).toBe('histogram');
    expect(sampleValue(f, 'runtime_backend_call_duration_seconds_count', { function: 'createTaskMessageForAgentTool', outcome: 'rejected' })).toBe(1);
  });

  it('count a Convex deployment that does not answer as unavailable', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const t = await createTestKernel({
      plugins: [{ use: 'backend-convex', options: { url: `http://127.0.0.1:${port}`, serviceToken: 'mc_service_acct_secret', retries: 0 } }],
      env: { ACCOUNT_ID: 'acct' },
    });
    kernels.push(t);
    await t.kernel.start();
    await expect(t.kernel.services.get(BackendService)!.getPendingUpgrade()).rejects.toMatchObject({ kind: 'unavailable' });
    expect(sampleValue(await families(t), 'runtime_backend_calls_total', { function: 'getPendingUpgrade', outcome: 'unavailable' })).toBe(1);
  });
});
