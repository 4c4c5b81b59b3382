/**
 * The supervised gateway dies with the runtime, however the runtime ends: the
 * real `mc-runtime start` runs the fake gateway under gateway-supervisor, then
 * is killed with SIGKILL (no handler of ours runs) or forced out by a second
 * signal. The gateway must be gone afterwards and its port free again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startCli } from '../../tests/support/cli.ts';
import { freePort } from '../../tests/support/free-port.ts';

const FAKE = path.resolve(import.meta.dirname, '../../tests/support/fake-openclaw-gateway.ts');


function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const orphans: number[] = [];
const runtimes: { kill(signal: NodeJS.Signals): boolean }[] = [];
afterEach(() => {
  for (const r of runtimes.splice(0)) r.kill('SIGKILL');
  // Never leave a process behind, even when the assertion failed.
  for (const pid of orphans.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

async function startRuntimeWithGateway(extraArgs: string[] = []) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mc-leash-'));
  const config = path.join(dir, 'runtime.json');
  writeFileSync(
    config,
    JSON.stringify({
      plugins: [
        { use: 'gateway-openclaw', options: { url: `http://127.0.0.1:${port}`, probeIntervalMs: 200, probeTimeoutMs: 200, downRetryMinMs: 50 } },
        {
          use: 'gateway-supervisor',
          options: { command: process.execPath, args: [FAKE, 'gateway', 'run', '--port', String(port), ...extraArgs], readyPollMs: 50, stopGraceMs: 2000 },
        },
      ],
    }),
  );
  const run = startCli(['--config', config], { env: { RUNTIME_DATA_DIR: dir, SHUTDOWN_TIMEOUT_MS: '20000' } });
  runtimes.push(run.child);
  const started = await run.waitFor(/^.*"msg":"gateway process started".*$/m);
  const gatewayPid = (JSON.parse(started) as { pid: number }).pid;
  orphans.push(gatewayPid);
  await run.waitFor(/"msg":"gateway process ready"/);
  expect(alive(gatewayPid)).toBe(true);
  return { run, gatewayPid, port };
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  const ok = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (ok) await new Promise<void>((resolve) => server.close(() => resolve()));
  return ok;
}

describe('gateway-supervisor: the gateway never outlives the runtime', () => {
  it('a runtime killed with SIGKILL takes its gateway along, and the port is free again', async () => {
    const { run, gatewayPid, port } = await startRuntimeWithGateway();
    run.child.kill('SIGKILL');
    await run.exited;
    expect(await waitFor(() => !alive(gatewayPid), 15_000)).toBe(true);
    expect(await portFree(port)).toBe(true);
  });

  it('a forced exit (second signal during the drain) takes it along too, even one that ignores SIGTERM', async () => {
    const { run, gatewayPid } = await startRuntimeWithGateway(['--ignore-sigterm']);
    run.child.kill('SIGTERM');
    await run.waitFor(/signal received; shutting down gracefully/);
    run.child.kill('SIGTERM');
    await run.exited;
    expect(await waitFor(() => !alive(gatewayPid), 15_000)).toBe(true);
  });
});
