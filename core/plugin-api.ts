/**
 * Builds the API one plugin sees. Everything is scoped to the plugin: its logger,
 * its hook taps (named after it), its tools, checks and metrics.
 */
import { createHookFacades, type HookFacades } from './hook-facade.ts';
import type { HookName } from './hooks.ts';
import type { Kernel, PluginRecord } from './kernel.ts';
import type { KernelView, PluginApi } from './plugin.ts';
import type { ServiceRef } from './services.ts';

/** The read-only kernel view; getters so `state` is always current. */
function createKernelView(kernel: Kernel): KernelView {
  return Object.freeze({
    get state() {
      return kernel.state;
    },
    get shutdownSignal() {
      return kernel.shutdownSignal;
    },
    readiness: () => kernel.readiness(),
    plugins: () => kernel.plugins(),
    statuses: () => kernel.health.statuses(),
    redact: (text: string) => kernel.secrets.scrub(text),
  });
}

export function createPluginApi(
  kernel: Kernel,
  record: PluginRecord,
  stageFor: (hook: HookName, requested: number | undefined) => number,
): PluginApi {
  const id = record.plugin.id;
  const definition = record.plugin.definition;
  const declared = new Set([...(definition.dependsOn ?? []), ...(definition.optionalDependsOn ?? [])]);
  const raw = createHookFacades(kernel.hooks, id, stageFor);
  // Record which hooks a plugin taps (for `mc-runtime plugins` and diagnostics).
  const hooks = Object.freeze(
    Object.fromEntries(
      (Object.keys(raw) as HookName[]).map((name) => {
        const facade = raw[name] as { tap: (...a: unknown[]) => void; call?: unknown };
        return [
          name,
          Object.freeze({
            ...facade,
            tap: (...args: unknown[]) => {
              record.hooks.add(name);
              facade.tap(...args);
            },
          }),
        ];
      }),
    ),
  ) as unknown as HookFacades;

  return Object.freeze({
    id,
    logger: kernel.logger.child({ plugin: id }),
    clock: kernel.clock,
    runtime: kernel.runtime,
    hooks,
    tools: kernel.tools.forPlugin(id),
    metrics: kernel.metrics,
    health: kernel.health.forPlugin(id),
    provide<T>(ref: ServiceRef<T>, value: T): void {
      if (!(definition.provides ?? []).includes(ref.id)) {
        throw new Error(`plugin "${id}" provides service "${ref.id}" without declaring it (add it to provides)`);
      }
      kernel.services.provide(ref, value, id);
    },
    use<T>(ref: ServiceRef<T>): T {
      const value = kernel.services.get(ref);
      const provider = kernel.services.providerOf(ref.id);
      if (value === undefined || provider === undefined) {
        throw new Error(`plugin "${id}" needs service "${ref.id}", but no plugin provides it (add a plugin that provides "${ref.id}" to the config)`);
      }
      if (!declared.has(ref.id) && !declared.has(provider)) {
        throw new Error(`plugin "${id}" uses service "${ref.id}" without declaring it: add "${ref.id}" to dependsOn`);
      }
      return value;
    },
    tryUse<T>(ref: ServiceRef<T>): T | undefined {
      return kernel.services.get(ref);
    },
    secret(value: string | undefined): void {
      if (value) kernel.secrets.add(value);
    },
    requestShutdown(reason: string, exitCode = 0): void {
      kernel.requestShutdown(reason, exitCode);
    },
    kernel: createKernelView(kernel),
  });
}
