/**
 * The plugin contract: a plugin is data (id, version, dependencies, options
 * schema, env bindings) plus a `register(api, options)` function.
 */
import type { Static, TSchema } from 'typebox';
import validRange from 'semver/ranges/valid.js';
import type { Logger } from 'pino';
import type { HookFacades } from './hook-facade.ts';
import type { ServiceRef } from './services.ts';
import type { MetricsApi } from './metrics.ts';
import type { HealthApi } from './health.ts';
import type { ToolRegistry } from './tools/registry.ts';
import type { Clock } from './clock.ts';
import type { Kernel, KernelState, PluginReport } from './kernel.ts';
import type { DoctorFn, PluginCommand } from './cli/contract.ts';

export type { CommandIo, DoctorCheck, DoctorContext, DoctorFn, PluginCommand, PluginCommandContext, PluginSettings } from './cli/contract.ts';

/**
 * Version of the plugin SDK (`mission-control-runtime/plugin-sdk`) this runtime
 * provides. Semver, independent of the runtime's own version: a minor adds to
 * the SDK, a major removes or changes something a plugin may use. A plugin
 * states the range it was built for in `sdk`; the loader refuses a plugin whose
 * range this version does not satisfy.
 */
export const PLUGIN_SDK_VERSION = '1.0.0';

/** Result of `readiness()`: ready only when every critical check passes, every required plugin started and the kernel runs. */
export type Readiness = Awaited<ReturnType<Kernel['readiness']>>;

/**
 * A read-only view of the kernel for operations plugins (health, status
 * reports, self-upgrade). It exposes what the kernel knows about itself; it
 * cannot change lifecycle or registries.
 */
export interface KernelView {
  /** Lifecycle state; anything but `running` means not ready. */
  readonly state: KernelState;
  /** Aborted as soon as shutdown begins (before `onShutdown` runs); pollers stop on it. */
  readonly shutdownSignal: AbortSignal;
  /** Runs every readiness check (2 s timeout each) and aggregates plugin states. */
  readiness(): Promise<Readiness>;
  /** Every configured plugin with its state, hooks, tools and boot time. */
  plugins(): PluginReport[];
  /** Status contributions (`api.health.status`) by plugin id. */
  statuses(): Record<string, Record<string, unknown>>;
  /** Replaces every registered secret value in `text`, for output built from other plugins' data. */
  redact(text: string): string;
}

/** How an environment variable maps onto one plugin option. */
export interface EnvBinding {
  /** Option path inside this plugin's options, dot-separated (`intervalMs`, `retry.baseMs`). */
  path: string;
  /** How the string is parsed; invalid values are config errors naming the variable. */
  type: 'string' | 'integer' | 'number' | 'boolean' | 'url';
  /** Empty string counts as "set to empty" instead of "unset". Default false. */
  allowEmpty?: boolean;
}

export interface RuntimeInfo {
  /** Account this runtime serves (ACCOUNT_ID); undefined on an embedded backend without one. */
  readonly accountId: string | undefined;
  /** Runtime version (package.json or RUNTIME_VERSION). */
  readonly version: string;
  /** Absolute path of the config file in use. */
  readonly configPath: string;
  /** Directory for runtime state (SQLite files, dead letters); created on demand. */
  readonly dataDir: string;
  /** Environment the runtime was started with (read-only). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly startedAt: number;
}

/** What a plugin's `register` may return. */
export interface PluginInstance {
  /** Called after every plugin registered, in dependency order. Start timers, listen, connect. */
  start?(): Promise<void> | void;
  /** Called in reverse order on shutdown, after `onShutdown` drained. Release resources. */
  stop?(): Promise<void> | void;
}

export interface PluginApi {
  /** This plugin's id. */
  readonly id: string;
  /** pino child logger bound to `{ plugin: id }`. */
  readonly logger: Logger;
  readonly clock: Clock;
  readonly runtime: RuntimeInfo;
  /** Per-plugin hook facades: tap (and, for phase-owned hooks, fire). */
  readonly hooks: HookFacades;
  /** The agent tool registry. */
  readonly tools: ToolRegistry;
  /** Metrics registry facade (prom-client); names must start with `runtime_`. */
  readonly metrics: MetricsApi;
  /** Readiness checks and status contributions for /readyz and /health. */
  readonly health: HealthApi;
  /** Offer a service; the id must be listed in this plugin's `provides`. */
  provide<T>(ref: ServiceRef<T>, value: T): void;
  /** A service of a plugin this one depends on; throws a clear error if absent. */
  use<T>(ref: ServiceRef<T>): T;
  /** A service if some plugin provides it (for optional collaborations). */
  tryUse<T>(ref: ServiceRef<T>): T | undefined;
  /** Register a secret value: any occurrence in log output is replaced by `[Redacted]`. */
  secret(value: string | undefined): void;
  /** Ask the kernel to shut down gracefully (self-upgrade, fatal conditions). */
  requestShutdown(reason: string, exitCode?: number): void;
  /** Read-only kernel introspection (readiness, plugin reports, statuses). */
  readonly kernel: KernelView;
}

export interface PluginDefinition<S extends TSchema = TSchema> {
  /** kebab-case, unique in a config. */
  id: string;
  version: string;
  description?: string;
  /**
   * Semver range of the plugin SDK this plugin was built for (`"^1.0.0"`), like
   * fastify-plugin's `fastify` range. Packaged plugins should set it; the loader
   * refuses the plugin before anything starts when PLUGIN_SDK_VERSION is outside it.
   */
  sdk?: string;
  /** Plugin ids or service ids this plugin needs; they register and start first. */
  dependsOn?: string[];
  /** Like dependsOn, but absence is fine (ordering only). */
  optionalDependsOn?: string[];
  /** Service ids this plugin provides via `api.provide`. */
  provides?: string[];
  /** typebox schema of the plugin's options (use `additionalProperties: false`). */
  configSchema: S;
  /** Environment variables mapped onto options; env wins over the config file. */
  env?: Record<string, EnvBinding>;
  /** Operator commands (`mc-runtime <name> …`) that work on this plugin's state with or without a running runtime. */
  commands?: PluginCommand[];
  /** Diagnostics for `mc-runtime doctor` (read-only; no runtime needed). */
  doctor?: DoctorFn;
  register(api: PluginApi, options: Static<S>): PluginInstance | void | Promise<PluginInstance | void>;
}

export type AnyPluginDefinition = PluginDefinition<TSchema>;

const ID_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Declare a plugin. Validates the declaration itself (not options) eagerly. */
export function definePlugin<S extends TSchema>(definition: PluginDefinition<S>): PluginDefinition<S> {
  if (!ID_PATTERN.test(definition.id)) {
    throw new Error(`plugin id "${definition.id}" must be kebab-case (e.g. "delivery-policy")`);
  }
  if (typeof definition.register !== 'function') {
    throw new Error(`plugin "${definition.id}" has no register function`);
  }
  if (!definition.configSchema || typeof definition.configSchema !== 'object') {
    throw new Error(`plugin "${definition.id}" has no configSchema (use Type.Object({}) for none)`);
  }
  if (definition.sdk !== undefined && (typeof definition.sdk !== 'string' || validRange(definition.sdk) === null)) {
    throw new Error(`plugin "${definition.id}" has an invalid sdk range ${JSON.stringify(definition.sdk)} (use a semver range such as "^1.0.0")`);
  }
  for (const command of definition.commands ?? []) {
    if (!/^[a-z][a-z0-9-]*$/.test(command.name) || typeof command.run !== 'function') {
      throw new Error(`plugin "${definition.id}": command "${command.name}" needs a lower-case one-word name and a run function`);
    }
  }
  return Object.freeze({ ...definition, dependsOn: definition.dependsOn ?? [], provides: definition.provides ?? [] });
}

export function isPluginDefinition(value: unknown): value is AnyPluginDefinition {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as AnyPluginDefinition).id === 'string' &&
    typeof (value as AnyPluginDefinition).register === 'function'
  );
}
