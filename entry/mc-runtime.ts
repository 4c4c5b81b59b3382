/**
 * The program: the CLI with the built-in plugins of this distribution, and the
 * plugin SDK. `bin/mc-runtime.js` runs this module (its sources, or the bundle
 * esbuild makes of it: dist/core/cli/main.cjs, one file). The kernel and the CLI
 * know no plugin; this is where the two meet.
 *
 * The SDK's exports are re-exported so that the bundle's SDK entry
 * (dist/sdk/plugin-sdk.js) can be a thin module naming them: plugins loaded by
 * path or package then share the runtime's own definePlugin and typebox.
 */
import { registerBuiltinPlugins } from '../core/loader.ts';
import { builtinPlugins } from '../plugins/catalog.ts';

registerBuiltinPlugins(builtinPlugins);

export { main } from '../core/cli/main.ts';
// The channel `start` announces on when every plugin has started (bin/load-program.js listens).
export { STARTED_CHANNEL } from '../core/cli/context.ts';
export * from '../sdk/plugin-sdk.ts';
