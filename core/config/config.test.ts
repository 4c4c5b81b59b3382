import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin } from '../plugin.ts';
import { ConfigError, loadConfig } from './index.ts';

const tunable = definePlugin({
  id: 'tunable',
  version: '1',
  configSchema: Type.Object({ intervalMs: Type.Integer({ minimum: 1000, default: 15000 }) }, { additionalProperties: false }),
  register() {},
});

async function problems(document: unknown): Promise<string[]> {
  const err = await loadConfig({ file: 'runtime.json', document, env: {}, definitions: new Map([['tunable', tunable]]) }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).message.split('\n').slice(1).map((l) => l.trim());
}

describe('config file structure', () => {
  it('names an unknown top-level key with the allowed ones and still lists every other problem', async () => {
    const lines = await problems({
      runtime: { logLevel: 'loud' },
      plugins: [{ use: 'tunable', options: { intervalMs: 5 } }, { use: 'tunable', enabeld: true }],
      plugin: ['typo'],
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        'runtime.json:/plugin (config): unknown key (allowed: $schema, $comment, runtime, plugins)',
        expect.stringMatching(/^runtime\.json:\/runtime\/logLevel \(runtime\): must be one of /),
        'runtime.json:/plugins/0/options/intervalMs (tunable): must be >= 1000 (got 5)',
        expect.stringMatching(/^runtime\.json:\/plugins\/1\/enabeld \(tunable\): unknown key \(allowed: use, \$comment, options, /),
      ]),
    );
    expect(lines.join('\n')).not.toContain('schema is false');
    expect(lines).toHaveLength(4);
  });

  it('plugin entries that are not objects or strings (null, a number) are config errors, not a crash (found by tests/fuzz/config.test.ts)', async () => {
    const lines = await problems({ plugins: [0, null, { use: 'tunable', options: { intervalMs: 5 } }] });
    expect(lines.some((l) => l.startsWith('runtime.json:/plugins/0'))).toBe(true);
    expect(lines.some((l) => l.startsWith('runtime.json:/plugins/1'))).toBe(true);
    expect(lines).toContain('runtime.json:/plugins/2/options/intervalMs (tunable): must be >= 1000 (got 5)');
  });

  it('a wrong type of a known top-level key is reported without hiding the rest', async () => {
    const lines = await problems({ runtime: 'verbose', plugins: [{ use: 'tunable', options: { intervalMs: 5 } }] });
    expect(lines).toEqual([
      expect.stringMatching(/^runtime\.json:\/runtime \(config\): /),
      'runtime.json:/plugins/0/options/intervalMs (tunable): must be >= 1000 (got 5)',
    ]);
  });
});
