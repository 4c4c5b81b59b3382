/**
 * The plugin sets in config/examples/ are configs people run: each passes
 * `mc-runtime check-config` on the embedded backend and with the Convex
 * variables set, and holds the plugin set it promises. (with-custom-tool.json
 * names an npm package, so it is checked where that package is installed: the
 * packaging test, `npm run test:packaging`.)
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const EXAMPLES = path.join('config', 'examples');
const CONVEX_ENV = { ACCOUNT_ID: 'acc_1', CONVEX_URL: 'https://example.convex.cloud', SERVICE_TOKEN: 'mc_service_acc_1_secret' };

async function checkedPlugins(file: string, env: Record<string, string> = {}): Promise<string[]> {
  const r = await runCli(['check-config', '--config', path.join(EXAMPLES, file)], { env, timeoutMs: 120_000 });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const m = /: OK \(\d+ plugins: ([^)]*)\)/.exec(r.stdout);
  expect(m, r.stdout).not.toBeNull();
  return m![1].split(', ');
}

describe('config/examples', { timeout: 240_000 }, () => {
  it('delivery-only.json delivers notifications and never runs heartbeats', async () => {
    for (const [env, backend] of [[{}, 'backend-local'], [CONVEX_ENV, 'backend-convex']] as const) {
      const plugins = await checkedPlugins('delivery-only.json', env);
      expect(plugins).toEqual(expect.arrayContaining(['delivery', 'delivery-policy', 'agent-http', 'tools-task', backend]));
      expect(plugins).not.toContain('heartbeat');
    }
  });

  it('observer.json serves health, metrics and the status report, and never delivers', async () => {
    for (const [env, backend] of [[{}, 'backend-local'], [CONVEX_ENV, 'backend-convex']] as const) {
      const plugins = await checkedPlugins('observer.json', env);
      expect([...plugins].sort()).toEqual(['health', 'http', 'metrics', 'runtime-info', 'status-report', backend].sort());
    }
  });

  it('with-custom-tool.json is the default set plus the package, and says where the package is missing', async () => {
    const r = await runCli(['check-config', '--config', path.join(EXAMPLES, 'with-custom-tool.json')], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('with-custom-tool.json:/plugins/14/use (mc-plugin-word-count): "mc-plugin-word-count" is not a built-in plugin');
  });
});
