/**
 * docs/configuration.md carries a reference generated from the plugins' schemas
 * and env bindings; this fails when the committed file drifts from the code
 * (fix: npm run gen:docs).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_FILE, renderReference, updatedDoc } from '../../scripts/gen-config-docs.ts';
import { builtinPluginIds } from '../../core/loader.ts';
import type { AnyPluginDefinition } from '../../core/plugin.ts';

describe('docs/configuration.md', () => {
  it('is what scripts/gen-config-docs.ts generates (run npm run gen:docs after changing a schema or a variable)', async () => {
    const committed = readFileSync(DOC_FILE, 'utf8');
    expect(committed).toBe(await updatedDoc(committed));
  });

  it('documents every option and every variable of every built-in plugin, with its type, default and description', async () => {
    const reference = await renderReference();
    for (const id of builtinPluginIds()) {
      const definition = (await import(`../../plugins/${id}/index.ts`)).default as AnyPluginDefinition;
      expect(reference, id).toContain(`### \`${id}\``);
      for (const [name, binding] of Object.entries(definition.env ?? {})) expect(reference).toContain(`| \`${name}\` | ${id} | \`${binding.path}\` |`);
      for (const key of Object.keys((definition.configSchema as { properties?: object }).properties ?? {})) expect(reference, `${id}.${key}`).toMatch(new RegExp(`^\\| \`${key}\` \\|`, 'm'));
    }
    expect(reference).toMatch(/^\| `intervalMs` \| integer 1000–86400000 \| — \| `DELIVERY_INTERVAL` \| Pins the poll interval \(DELIVERY_INTERVAL\); unset: adaptive, .* \|$/m);
    expect(reference).toMatch(/^\| `serviceToken` \| string, secret \| — \| `SERVICE_TOKEN` \| Service token/m);
    expect(reference).toMatch(/^\| `mode` \| "exit" \\\| "off" \| `"exit"` \| `UPGRADE_MODE` \|/m);
  });

  it('an edit inside the generated reference is detected (and undone by regenerating)', async () => {
    const committed = readFileSync(DOC_FILE, 'utf8');
    const tampered = committed.replace('| `DELIVERY_INTERVAL` | delivery | `intervalMs` |', '| `DELIVERY_INTERVAL` | delivery | `pollMs` |');
    expect(tampered).not.toBe(committed);
    expect(await updatedDoc(tampered)).toBe(committed);
  });
});
