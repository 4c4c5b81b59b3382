/**
 * Property: any config file content (garbage, wrong JSON shapes, unknown plugins
 * and options, hostile env references) is either accepted or refused with a
 * ConfigError whose every problem names where it comes from (the file, or the
 * env:VARIABLE that overrode an option) — never another exception.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import './seed.ts';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config/index.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const dir = mkdtempSync(path.join(tmpdir(), 'mc-fuzz-config-'));
const pluginEntry = fc.oneof(
  fc.constantFrom('http', 'health', 'metrics', 'runtime-info', 'delivery', 'nope', '../../x', ''),
  fc.record({ use: fc.oneof(fc.constantFrom('http', 'health', 'status-report', 'gateway-openclaw'), fc.string()), options: fc.oneof(fc.object(), fc.anything()), onBootFailure: fc.oneof(fc.constantFrom('abort', 'continue'), fc.string()), if: fc.anything() }, { requiredKeys: ['use'] }),
  fc.anything(),
);
const doc = fc.oneof(
  fc.record({ runtime: fc.oneof(fc.record({ dataDir: fc.oneof(fc.string(), fc.integer()), logLevel: fc.string(), shutdownTimeoutMs: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: [] }), fc.anything()), plugins: fc.oneof(fc.array(pluginEntry, { maxLength: 5 }), fc.anything()) }, { requiredKeys: [] }).map((d) => JSON.stringify(d)),
  fc.string(),
  fc.json(),
  fc.constant('{"plugins":["http"],"runtime":{"dataDir":"${ENV:NOPE}"}}'),
  fc.constant('{"plugins":[{"use":"http","options":{"port":"${ENV:PORT_X}"}}]}'),
);

describe('fuzz: config files', () => {
  it('load or fail with a ConfigError naming the file', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(doc, fc.dictionary(fc.constantFrom('HEALTH_PORT', 'LOG_LEVEL', 'DELIVERY_INTERVAL', 'PORT_X', 'RUNTIME_DATA_DIR'), fc.string({ maxLength: 20 })), async (text, env) => {
        const file = path.join(dir, `c${n++}.json`);
        writeFileSync(file, text);
        try {
          await loadConfig({ file, env });
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          const problems = err.message.split('\n').slice(1).filter((l) => l.trim() !== '');
          expect(problems.length).toBeGreaterThan(0);
          for (const line of problems) expect(line.includes(path.basename(file)) || /^\s*env:[A-Z_]+/.test(line), line).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
