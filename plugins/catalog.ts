/**
 * The built-in plugins, by id. Each is imported only when a config names it
 * (core/loader.ts), in the sources and in the bundle alike: esbuild inlines
 * these modules into the one file of dist/ and keeps each import lazy.
 * A plugin folder missing here is not built in (plugins/catalog.test.ts).
 */
import type { BuiltinPluginModule } from '../core/loader.ts';

export const builtinPlugins: Readonly<Record<string, BuiltinPluginModule>> = {
  'agent-http': () => import('./agent-http/index.ts'),
  'agent-sync': () => import('./agent-sync/index.ts'),
  'backend-convex': () => import('./backend-convex/index.ts'),
  'backend-local': () => import('./backend-local/index.ts'),
  'delivery': () => import('./delivery/index.ts'),
  'delivery-policy': () => import('./delivery-policy/index.ts'),
  'gateway-openclaw': () => import('./gateway-openclaw/index.ts'),
  'gateway-supervisor': () => import('./gateway-supervisor/index.ts'),
  'health': () => import('./health/index.ts'),
  'heartbeat': () => import('./heartbeat/index.ts'),
  'http': () => import('./http/index.ts'),
  'metrics': () => import('./metrics/index.ts'),
  'profile-sync': () => import('./profile-sync/index.ts'),
  'runtime-info': () => import('./runtime-info/index.ts'),
  'self-upgrade': () => import('./self-upgrade/index.ts'),
  'status-report': () => import('./status-report/index.ts'),
  'tools-collab': () => import('./tools-collab/index.ts'),
  'tools-orchestrator': () => import('./tools-orchestrator/index.ts'),
  'tools-task': () => import('./tools-task/index.ts'),
};
