import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from './config/index.ts';
import { Kernel } from './kernel.ts';
import { createLogger } from './logger.ts';
import { watchConfig, type ConfigWatcher } from './config-watch.ts';
import { LogCapture } from '../tests/support/test-kernel.ts';

const greeter = path.resolve(import.meta.dirname, '..', 'tests', 'fixtures', 'plugins', 'greeter', 'index.ts');
const tunable = path.resolve(import.meta.dirname, '..', 'tests', 'fixtures', 'plugins', 'tunable', 'index.ts');

let watcher: ConfigWatcher | undefined;
let kernel: Kernel | undefined;
afterEach(async () => {
  await watcher?.close();
  await kernel?.stop();
});

async function until(check: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('config watch', () => {
  it('applies option changes to the plugin they belong to, keeps the config on invalid edits', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mc-watch-'));
    const file = path.join(dir, 'runtime.json');
    const doc = (level: string, greeting = 'hello') =>
      JSON.stringify({ plugins: [{ use: 'http', options: { port: 0 } }, { use: greeter, options: { greeting } }, { use: tunable, options: { level } }] });
    writeFileSync(file, doc('low'));
    const config = await loadConfig({ file, env: {} });
    const logs = new LogCapture();
    kernel = new Kernel({ config, env: {}, logger: createLogger({ destination: logs, level: 'debug' }) });
    await kernel.start();
    watcher = watchConfig(kernel, config, {}, { stabilityMs: 100 });
    await new Promise((r) => setTimeout(r, 300)); // let the watcher settle on the file

    writeFileSync(file, doc('high'));
    await until(() => logs.text().includes('"level":"high"'));
    await watcher.settled();
    const applied = logs.lines().filter((l) => l.msg === 'tunable applied new options');
    expect(applied.map((l) => [l.plugin, l.level, l.previousLevel])).toEqual([['tunable', 'high', 'low']]);

    writeFileSync(file, doc('nonsense-level'));
    await until(() => logs.text().includes('keeping the running config'));
    await watcher.settled();
    expect(logs.text()).toMatch(/\/plugins\/2\/options\/level \(tunable\)/);
    expect(logs.lines().filter((l) => l.msg === 'tunable applied new options')).toHaveLength(1);
  });

  it('says truthfully what is live: options of a plugin that does not apply changes are rejected by name, the rest applied', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mc-watch-'));
    const file = path.join(dir, 'runtime.json');
    const doc = (opts: { greeting: string; level: string; logLevel?: string }) =>
      JSON.stringify({
        runtime: { logLevel: opts.logLevel ?? 'debug' },
        plugins: [{ use: 'http', options: { port: 0 } }, { use: greeter, options: { greeting: opts.greeting } }, { use: tunable, options: { level: opts.level } }],
      });
    writeFileSync(file, doc({ greeting: 'hello', level: 'low' }));
    const config = await loadConfig({ file, env: {} });
    const logs = new LogCapture();
    kernel = new Kernel({ config, env: {}, logger: createLogger({ destination: logs, level: 'debug' }) });
    await kernel.start();
    watcher = watchConfig(kernel, config, {}, { stabilityMs: 100 });
    await new Promise((r) => setTimeout(r, 300));

    // greeter taps no onConfigChange, and the kernel applies no runtime option live.
    writeFileSync(file, doc({ greeting: 'bonjour', level: 'high', logLevel: 'warn' }));
    await until(() => logs.text().includes('tunable applied new options'));
    await until(() => logs.lines().filter((l) => l.component === 'config-watch' && Number(l.level) >= 50).length >= 1);
    await watcher.settled();
    const lines = logs.lines().filter((l) => l.component === 'config-watch');
    expect(lines.some((l) => l.plugin === 'greeter' && /applying/.test(String(l.msg)))).toBe(false);
    const rejected = lines.find((l) => /not live/.test(String(l.msg)))!;
    expect(rejected.msg).toBe('config change not applied: greeter.greeting, runtime.logLevel are not live (no plugin applies them while running); restart to apply');
    expect(rejected.options).toEqual(['greeter.greeting', 'runtime.logLevel']);
    expect(lines.find((l) => l.plugin === 'tunable' && l.msg === 'plugin options applied')).toMatchObject({ options: ['level'] });

    // The running options stay what they were: reverting the file is not a change, a new tunable edit still applies.
    writeFileSync(file, doc({ greeting: 'hello', level: 'low' }));
    await until(() => logs.lines().filter((l) => l.msg === 'tunable applied new options').length === 2);
    await watcher.settled();
    expect(logs.lines().filter((l) => /not live/.test(String(l.msg)))).toHaveLength(1);
  });
});
