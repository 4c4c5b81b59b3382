/**
 * The default config picks the backend from the environment: the Convex adapter
 * when ACCOUNT_ID/CONVEX_URL/SERVICE_TOKEN are set, the embedded backend
 * otherwise; bad settings stop the process naming the variable, and a Convex
 * deployment that is down never crashes it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.ts';

const dataDir = () => mkdtempSync(path.join(tmpdir(), 'mc-select-'));
const convexEnv = { ACCOUNT_ID: 'acct1', CONVEX_URL: 'http://127.0.0.1:9', SERVICE_TOKEN: 'mc_service_acct1_0123456789abcdef0123' };

describe('backend selection with config/default.json', () => {
  it('uses the embedded backend when no backend variable is set', async () => {
    const result = await runCli(['check-config']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/backend-local/);
    expect(result.stdout).toMatch(/not loaded: backend-convex/);
  });

  it('uses the Convex adapter when the variables are set', async () => {
    const result = await runCli(['check-config'], { env: convexEnv });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/backend-convex/);
    expect(result.stdout).toMatch(/not loaded: backend-local/);
  });

  it('a token for another account stops the start, naming SERVICE_TOKEN, and never prints the secret', async () => {
    const run = startCli([], { env: { ...convexEnv, SERVICE_TOKEN: 'mc_service_other_0123456789abcdef0123', HEALTH_PORT: '0', RUNTIME_DATA_DIR: dataDir() } });
    expect(await run.exited).not.toBe(0);
    expect(run.output()).toMatch(/SERVICE_TOKEN account mismatch/);
    expect(run.output()).not.toContain('0123456789abcdef0123');
  });

  it('a Convex deployment that is down does not crash the runtime', async () => {
    const run = startCli([], { env: { ...convexEnv, HEALTH_PORT: '0', RUNTIME_DATA_DIR: dataDir() } });
    await run.waitFor(/"msg":"runtime started"/);
    await run.waitFor(/"plugin":"backend-convex"[^\n]*"kind":"unavailable"/);
    await new Promise((r) => setTimeout(r, 1000));
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output()).not.toContain('0123456789abcdef0123');
  });
});
