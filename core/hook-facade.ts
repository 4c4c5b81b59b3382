/**
 * Error isolation for hooks, and the per-plugin facades plugins see.
 *
 * tapable does not isolate errors (an async series stops at the first
 * rejection), so the kernel installs a `register` interceptor on every hook that
 * wraps each tap with try/catch, a timeout, timing and a per-plugin log line.
 * Observation hooks log and continue; decision hooks treat a failure as "no
 * decision" (returning undefined keeps bail/waterfall semantics intact).
 */
import type { Tap } from 'tapable';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import {
  DECISION_HOOKS,
  KERNEL_FIRED_HOOKS,
  type AgentsChangedEvent,
  type ConfigChangeEvent,
  type DeliveredEvent,
  type HeartbeatEvent,
  type HookCatalog,
  type HookName,
  type NotificationDecision,
  type NotificationEvent,
  type ShutdownEvent,
  type StartEvent,
  type ToolCallEvent,
  type ToolCallOutcomeEvent,
} from './hooks.ts';

export interface TapOptions {
  /** Lower runs earlier (webpack convention). Use the STAGE constants. */
  stage?: number;
}

export const STAGE = Object.freeze({ POLICY: -100, DEFAULT: 0, AUDIT: 100 });

type MaybePromise<T> = T | Promise<T>;

export interface HookFacade<A, R> {
  tap(fn: (event: A) => MaybePromise<R>, options?: TapOptions): void;
}

export interface FireableHookFacade<A, R, C> extends HookFacade<A, R> {
  /** Fire the hook (only the plugin that owns this phase does). Never rejects because of a tap. */
  call(event: A): Promise<C>;
}

export interface HookFacades {
  onStart: HookFacade<StartEvent, void>;
  onNotification: FireableHookFacade<NotificationEvent, NotificationDecision | undefined | void, NotificationDecision | undefined>;
  beforeToolCall: FireableHookFacade<ToolCallEvent, ToolCallEvent | undefined | void, ToolCallEvent>;
  afterToolCall: FireableHookFacade<ToolCallOutcomeEvent, void, void>;
  onDelivered: FireableHookFacade<DeliveredEvent, void, void>;
  onHeartbeat: FireableHookFacade<HeartbeatEvent, void, void>;
  onAgentsChanged: FireableHookFacade<AgentsChangedEvent, void, void>;
  onConfigChange: HookFacade<ConfigChangeEvent, void>;
  onShutdown: HookFacade<ShutdownEvent, void>;
}

export interface HookGuardOptions {
  /** Logger for a plugin id (child logger with `{ plugin }`). */
  loggerFor(plugin: string): Logger;
  /** Timeout for a tap of `hook` registered by `plugin`. */
  timeoutFor(plugin: string, hook: HookName): number;
  /** Taps of plugins that failed to boot become no-ops. */
  isActive(plugin: string): boolean;
  errors: Counter<'plugin' | 'hook'>;
  duration: Histogram<'plugin' | 'hook'>;
}

class TapTimeoutError extends Error {}

/** Wraps every tap (existing and future) of every hook in the catalog. */
export function installHookGuards(catalog: HookCatalog, options: HookGuardOptions): void {
  for (const name of Object.keys(catalog) as HookName[]) {
    const hook = catalog[name] as unknown as { intercept(i: { register(tap: Tap): Tap }): void };
    const decision = DECISION_HOOKS.has(name);
    hook.intercept({
      register(tap: Tap): Tap {
        const original = (tap as unknown as { fn: (...args: unknown[]) => unknown }).fn;
        const plugin = tap.name;
        const guarded = async (...args: unknown[]): Promise<unknown> => {
          if (!options.isActive(plugin)) return undefined;
          // A config change concerns one plugin: only its own taps see it.
          if (name === 'onConfigChange' && (args[0] as { pluginId?: string })?.pluginId !== plugin) return undefined;
          const started = performance.now();
          const timeoutMs = options.timeoutFor(plugin, name);
          let timer: NodeJS.Timeout | undefined;
          try {
            const timeout = new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new TapTimeoutError(`timed out after ${timeoutMs} ms`)), timeoutMs);
            });
            return await Promise.race([Promise.resolve().then(() => original(...args)), timeout]);
          } catch (err) {
            options.errors.inc({ plugin, hook: name });
            options.loggerFor(plugin).error(
              { hook: name, err: err instanceof TapTimeoutError ? undefined : err },
              `${name} tap ${err instanceof TapTimeoutError ? err.message : 'failed'}${decision ? ' (treated as no decision)' : ''}`,
            );
            return undefined;
          } finally {
            clearTimeout(timer);
            options.duration.observe({ plugin, hook: name }, (performance.now() - started) / 1000);
          }
        };
        return { ...tap, type: 'promise', fn: guarded } as Tap;
      },
    });
  }
}

/** The facade one plugin sees: every tap is named after the plugin. */
export function createHookFacades(
  catalog: HookCatalog,
  plugin: string,
  stageFor: (hook: HookName, requested: number | undefined) => number,
): HookFacades {
  const facades: Record<string, unknown> = {};
  for (const name of Object.keys(catalog) as HookName[]) {
    const hook = catalog[name] as unknown as {
      tapPromise(options: { name: string; stage: number }, fn: (event: unknown) => Promise<unknown>): void;
      promise(event: unknown): Promise<unknown>;
    };
    const facade: Record<string, unknown> = {
      tap(fn: (event: unknown) => unknown, options: TapOptions = {}) {
        if (typeof fn !== 'function') throw new Error(`plugin "${plugin}": ${name}.tap needs a function`);
        hook.tapPromise({ name: plugin, stage: stageFor(name, options.stage) }, async (event) => fn(event));
      },
    };
    if (!KERNEL_FIRED_HOOKS.has(name)) {
      facade.call = async (event: unknown) => {
        const result = await hook.promise(event);
        // A waterfall returns the (possibly rewritten) event; undefined means unchanged.
        return name === 'beforeToolCall' ? (result ?? event) : result;
      };
    }
    facades[name] = Object.freeze(facade);
  }
  return Object.freeze(facades) as unknown as HookFacades;
}
