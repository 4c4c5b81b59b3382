/**
 * `mc-runtime start` replaces itself once with the V8 flags that keep memory
 * flat (bin/mc-runtime.js, docs/performance.md): same pid, the flags on its
 * command line; MC_RUNTIME_NODE_FLAGS changes or removes them. Linux (/proc).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.ts';

const runs: Array<{ stop: () => Promise<void> }> = [];
afterEach(async () => {
  while (runs.length) await runs.pop()!.stop();
});

async function started(extra: Record<string, string>, nodeArgs: string[] = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-flags-'));
  const run = startCli([], { nodeArgs, env: { RUNTIME_DATA_DIR: dir, HEALTH_PORT: '0', HEARTBEAT_ENABLED: 'false', ...extra } });
  runs.push({
    stop: async () => {
      run.child.kill('SIGTERM');
      await run.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  });
  await run.waitFor(/"msg":"runtime started"/, 60_000);
  const argv = readFileSync(`/proc/${run.child.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  // The environment the process was (last) executed with: the re-exec marks itself there.
  const reexecuted = readFileSync(`/proc/${run.child.pid}/environ`, 'utf8').split('\0').includes('MC_RUNTIME_REEXEC=1');
  return { argv, reexecuted, output: run.output() };
}

describe.skipIf(!existsSync('/proc/self/cmdline'))('start: V8 flags', () => {
  it('runs with --max-semi-space-size=1 in the same process (the pid the caller started)', async () => {
    const { argv, reexecuted } = await started({});
    expect(argv).toContain('--max-semi-space-size=1');
    expect(argv.at(-1)).toBe('start');
    expect(reexecuted).toBe(true);
  });

  it('does not execute itself again when the launcher passed the flag (npm start, the image)', async () => {
    const { argv, reexecuted } = await started({}, ['--max-semi-space-size=1']);
    expect(argv.filter((a) => a === '--max-semi-space-size=1')).toHaveLength(1);
    expect(reexecuted).toBe(false);
  });

  it('MC_RUNTIME_NODE_FLAGS replaces the list, and "" runs without any', async () => {
    expect((await started({ MC_RUNTIME_NODE_FLAGS: '--max-semi-space-size=2' })).argv).toContain('--max-semi-space-size=2');
    const none = (await started({ MC_RUNTIME_NODE_FLAGS: '' })).argv;
    expect(none.filter((a) => a.startsWith('--max-semi-space-size'))).toEqual([]);
  });

  it('MC_RUNTIME_NODE_FLAGS also overrides the flag a launcher put on the command line', async () => {
    const none = await started({ MC_RUNTIME_NODE_FLAGS: '' }, ['--max-semi-space-size=1']);
    expect(none.argv.filter((a) => a.startsWith('--max-semi-space-size'))).toEqual([]);
    expect(none.reexecuted).toBe(true);
  });
});
