import { describe, expect, it } from 'vitest';
import { detectVersion, parseVersion } from './detect.ts';

describe('OpenClaw version detection', () => {
  it('reads the version from typical outputs', () => {
    expect(parseVersion('OpenClaw 2026.9.6 (eb377ac)\n')).toBe('2026.9.6');
    expect(parseVersion('openclaw/2026.10.1-beta.2 linux-x64')).toBe('2026.10.1-beta.2');
    expect(parseVersion('v1.2.3')).toBe('1.2.3');
    expect(parseVersion('no version here')).toBeUndefined();
  });

  it('runs a real command with a timeout and never throws', async () => {
    expect(await detectVersion([process.execPath, '-e', "console.log('OpenClaw 2026.9.6 (eb377ac)')"], 5_000)).toEqual({ version: '2026.9.6' });
    expect(await detectVersion(['definitely-not-a-command-7f1'], 5_000)).toEqual({ error: 'definitely-not-a-command-7f1 not found' });
    expect(await detectVersion([process.execPath, '-e', 'setTimeout(() => {}, 10000)'], 200)).toEqual({ error: 'timed out after 200 ms' });
    expect(await detectVersion([process.execPath, '-e', "console.log('hello')"], 5_000)).toEqual({ error: `no version in the output of ${process.execPath}` });
  });
});
