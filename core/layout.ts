/**
 * Where this runtime's own files are, in every form it runs in:
 *
 * - the TypeScript sources of a checkout (`core/`, `plugins/`, `sdk/` at the package root);
 * - the bundle in `dist/` (scripts/build-dist.mjs): `dist/core/cli/main.cjs`, `dist/sdk/plugin-sdk.js`,
 *   `dist/plugins/<id>/index.js` and shared chunks in `dist/core/`.
 *
 * In the bundle this module's code sits in whichever output file esbuild put it, so paths are
 * found by walking up from here instead of being fixed relative offsets.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

function upTo(from: string, found: (dir: string) => boolean): string {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    if (found(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`mc-runtime: cannot find its own files above ${from}`);
}

/** True when running the TypeScript sources (type stripping), false in the bundle. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/** File extension of the runtime's own modules in this form: `.ts` or `.js`. */
export const MODULE_EXT = FROM_SOURCES ? '.ts' : '.js';

/** The directory holding `core/` (and `plugins/`, `sdk/`): the package root, or `dist/`. */
export const RUNTIME_DIR = upTo(import.meta.dirname, (d) => existsSync(path.join(d, 'core', 'cli')));

/** The package root (where package.json and config/ are). */
export const PACKAGE_ROOT = upTo(RUNTIME_DIR, (d) => existsSync(path.join(d, 'package.json')));

/** The built-in plugins' folder. */
export const PLUGINS_DIR = path.join(RUNTIME_DIR, 'plugins');

/** The plugin SDK module of this runtime (what `mission-control-runtime/plugin-sdk` resolves to). */
export const SDK_ENTRY = path.join(RUNTIME_DIR, 'sdk', `plugin-sdk${MODULE_EXT}`);
