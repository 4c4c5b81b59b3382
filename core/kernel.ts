/**
 * The kernel: owns the hook catalog and the registries, registers plugins in
 * dependency order, starts them, and stops them in reverse. It knows nothing
 * about notifications, tools or HTTP: those are plugins.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { ResolvedConfig, ResolvedPlugin } from './config/index.ts';
import { createHookCatalog, type HookCatalog, type HookName } from './hooks.ts';
import { installHookGuards } from './hook-facade.ts';
import { HealthRegistry, type CheckReport } from './health.ts';
import { createMetricsApi, type MetricsApi } from './metrics.ts';
import { ToolRegistryImpl } from './tools/registry.ts';
import { ServiceRegistry } from './services.ts';
import { createPluginApi } from './plugin-api.ts';
import { systemClock, type Clock } from './clock.ts';
import { createLogger, SecretSet } from './logger.ts';
import type { PluginInstance, RuntimeInfo } from './plugin.ts';
import { withTimeout } from './timeout.ts';

export type PluginState = 'loaded' | 'registered' | 'started' | 'failed' | 'skipped' | 'stopped';
export type KernelState = 'idle' | 'registering' | 'registered' | 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface PluginRecord {
  plugin: ResolvedPlugin;
  state: PluginState;
  error?: string;
  instance?: PluginInstance;
  hooks: Set<HookName>;
  bootMs?: number;
}

export interface PluginReport {
  id: string;
  version: string;
  source: string;
  specifier: string;
  /** `name@version` of the npm package, for `source: 'package'`. */
  package?: string;
  /** Plugin SDK range the plugin was built for, when it states one. */
  sdk?: string;
  state: PluginState;
  required: boolean;
  error?: string;
  hooks: HookName[];
  tools: string[];
  provides: string[];
  dependsOn: string[];
  bootMs?: number;
}

export interface KernelOptions {
  config: ResolvedConfig;
  logger?: Logger;
  clock?: Clock;
  env?: Readonly<Record<string, string | undefined>>;
  secrets?: SecretSet;
  version?: string;
  /** Called when a plugin asks for shutdown (self-upgrade); default: stop the kernel. */
  onShutdownRequest?: (reason: string, exitCode: number) => void;
}

export class BootError extends Error {
  readonly pluginId: string;
  constructor(pluginId: string, phase: string, cause: unknown) {
    super(`plugin "${pluginId}" failed to ${phase}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'BootError';
    this.pluginId = pluginId;
  }
}

export class Kernel {
  readonly hooks: HookCatalog = createHookCatalog();
  readonly logger: Logger;
  readonly clock: Clock;
  readonly secrets: SecretSet;
  readonly metricsRegistry = new Registry();
  readonly metrics: MetricsApi;
  readonly health = new HealthRegistry();
  readonly tools = new ToolRegistryImpl();
  readonly services = new ServiceRegistry();
  readonly runtime: RuntimeInfo;
  readonly config: ResolvedConfig;
  #state: KernelState = 'idle';
  readonly #records: PluginRecord[];
  #stopping: Promise<void> | undefined;
  readonly #shutdownController = new AbortController();
  readonly #onShutdownRequest: (reason: string, exitCode: number) => void;
  readonly #pluginUp;

  constructor(options: KernelOptions) {
    this.config = options.config;
    this.secrets = options.secrets ?? new SecretSet();
    for (const s of options.config.secrets) this.secrets.add(s);
    this.logger = options.logger ?? createLogger({ level: options.config.runtime.logLevel, secrets: this.secrets });
    this.clock = options.clock ?? systemClock;
    const env = Object.freeze({ ...(options.env ?? process.env) });
    this.runtime = Object.freeze({
      accountId: options.config.runtime.accountId,
      version: options.version ?? '0.0.0',
      configPath: options.config.file.absolutePath,
      dataDir: options.config.runtime.dataDir,
      env,
      startedAt: this.clock.now(),
    });
    this.metrics = createMetricsApi(this.metricsRegistry);
    this.#pluginUp = this.metrics.gauge({ name: 'runtime_plugin_up', help: 'Whether a plugin booted and runs (1) or not (0)', labelNames: ['plugin'] });
    this.#records = options.config.plugins.map((plugin) => ({ plugin, state: 'loaded' as PluginState, hooks: new Set<HookName>() }));
    this.#onShutdownRequest = options.onShutdownRequest ?? ((reason) => void this.stop(reason));
    const byId = new Map(this.#records.map((r) => [r.plugin.id, r]));
    installHookGuards(this.hooks, {
      loggerFor: (plugin) => this.logger.child({ plugin }),
      timeoutFor: (plugin, hook) =>
        hook === 'onShutdown' ? Math.max(100, this.config.runtime.shutdownTimeoutMs) : (byId.get(plugin)?.plugin.hookTimeoutMs ?? this.config.runtime.hookTimeoutMs),
      isActive: (plugin) => {
        const state = byId.get(plugin)?.state;
        return state !== 'failed' && state !== 'skipped';
      },
      errors: this.metrics.counter({ name: 'runtime_plugin_hook_errors_total', help: 'Hook taps that threw or timed out', labelNames: ['plugin', 'hook'] }),
      duration: this.metrics.histogram({
        name: 'runtime_plugin_hook_duration_seconds',
        help: 'Duration of hook taps',
        labelNames: ['plugin', 'hook'],
        buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      }),
    });
  }

  get state(): KernelState {
    return this.#state;
  }

  /** Aborted when shutdown begins; long-running plugin work listens to it. */
  get shutdownSignal(): AbortSignal {
    return this.#shutdownController.signal;
  }

  /** Phase 1: every plugin's `register`, in dependency order. */
  async register(): Promise<void> {
    if (this.#state !== 'idle') return;
    this.#state = 'registering';
    for (const [index, record] of this.#records.entries()) {
      const { plugin } = record;
      const blocked = this.#blockedBy(record);
      if (blocked) {
        this.#fail(record, 'skipped', `dependency "${blocked}" did not boot`, 'register');
        continue;
      }
      // onShutdown taps all run at once; the stage only fixes the order they are called in (reverse start order).
      const api = createPluginApi(this, record, (hook, requested) => (hook === 'onShutdown' ? -index : (requested ?? 0)));
      const started = performance.now();
      try {
        const result = await withTimeout(Promise.resolve().then(() => plugin.definition.register(api, plugin.options)), plugin.bootTimeoutMs, `register timed out after ${plugin.bootTimeoutMs} ms`);
        record.instance = result ?? undefined;
        record.state = 'registered';
        record.bootMs = performance.now() - started;
      } catch (err) {
        this.#fail(record, 'failed', (err as Error)?.message ?? String(err), 'register', err);
      }
    }
    this.#state = 'registered';
  }

  /** Phase 2: every registered plugin's `start`, in order; then `onStart`. */
  async start(): Promise<void> {
    await this.register();
    if (this.#state !== 'registered') return;
    this.#state = 'starting';
    for (const record of this.#records) {
      if (record.state !== 'registered') continue;
      const blocked = this.#blockedBy(record);
      if (blocked) {
        this.#fail(record, 'skipped', `dependency "${blocked}" did not start`, 'start');
        continue;
      }
      const started = performance.now();
      try {
        if (record.instance?.start) {
          const timeout = record.plugin.bootTimeoutMs;
          await withTimeout(Promise.resolve().then(() => record.instance!.start!()), timeout, `start timed out after ${timeout} ms`);
        }
        record.state = 'started';
        record.bootMs = (record.bootMs ?? 0) + (performance.now() - started);
        this.#pluginUp.set({ plugin: record.plugin.id }, 1);
        this.logger.debug({ plugin: record.plugin.id, bootMs: Math.round(record.bootMs) }, 'plugin started');
      } catch (err) {
        this.#fail(record, 'failed', (err as Error)?.message ?? String(err), 'start', err);
      }
      // One turn of the event loop between plugins: once a server listens, its requests (a
      // liveness probe, a readiness probe that says "starting") are answered while the rest start.
      await nextTurn();
    }
    this.#state = 'running';
    const startedIds = this.#records.filter((r) => r.state === 'started').map((r) => r.plugin.id);
    await this.hooks.onStart.promise({ startedAt: this.clock.now(), plugins: startedIds });
    this.logger.info({ plugins: startedIds.length, failed: this.#records.filter((r) => r.state === 'failed' || r.state === 'skipped').map((r) => r.plugin.id) }, 'runtime started');
  }

  /** Graceful stop: not ready, `onShutdown` (every plugin drains in parallel), then each `stop` in reverse. Idempotent. */
  stop(reason = 'stop'): Promise<void> {
    this.#stopping ??= this.#doStop(reason);
    return this.#stopping;
  }

  async #doStop(reason: string): Promise<void> {
    const previous = this.#state;
    this.#state = 'stopping';
    this.#shutdownController.abort(new Error(`shutting down: ${reason}`));
    const deadline = this.clock.now() + this.config.runtime.shutdownTimeoutMs;
    this.logger.info({ reason }, 'runtime stopping');
    if (previous === 'running' || previous === 'starting' || previous === 'registered') {
      await this.hooks.onShutdown.promise({ reason, deadline, signal: this.#shutdownController.signal });
    }
    for (const record of [...this.#records].reverse()) {
      if (record.state !== 'started' && record.state !== 'registered') continue;
      const remaining = Math.max(100, deadline - this.clock.now());
      try {
        if (record.instance?.stop) await withTimeout(Promise.resolve().then(() => record.instance!.stop!()), remaining, `stop timed out after ${remaining} ms`);
      } catch (err) {
        this.logger.error({ plugin: record.plugin.id, err }, 'plugin stop failed');
      }
      record.state = 'stopped';
      this.#pluginUp.set({ plugin: record.plugin.id }, 0);
    }
    this.#state = 'stopped';
    this.logger.info({ reason }, 'runtime stopped');
  }

  /** A plugin asked for shutdown (e.g. a pending upgrade). */
  requestShutdown(reason: string, exitCode = 0): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#onShutdownRequest(reason, exitCode);
  }

  /** Every critical check passes, every required plugin started, not shutting down. */
  async readiness(): Promise<{ ready: boolean; state: KernelState; reasons: string[]; checks: CheckReport[] }> {
    const checks = await this.health.runChecks();
    const reasons: string[] = [];
    if (this.#state !== 'running') reasons.push(`runtime is ${this.#state}`);
    for (const r of this.#records) {
      if (r.state !== 'started' && r.plugin.onBootFailure === 'abort') reasons.push(`plugin ${r.plugin.id} is ${r.state}`);
    }
    for (const c of checks) if (c.critical && !c.ok) reasons.push(`${c.name}: ${c.detail ?? 'not ok'}`);
    return { ready: reasons.length === 0, state: this.#state, reasons, checks };
  }

  plugins(): PluginReport[] {
    const tools = this.tools.list();
    return this.#records.map((r) => ({
      id: r.plugin.id,
      version: r.plugin.definition.version,
      source: r.plugin.source,
      specifier: r.plugin.specifier,
      package: r.plugin.package,
      sdk: r.plugin.definition.sdk,
      state: r.state,
      required: r.plugin.onBootFailure === 'abort',
      error: r.error,
      hooks: [...r.hooks],
      tools: tools.filter((t) => t.plugin === r.plugin.id).map((t) => t.definition.name),
      provides: r.plugin.definition.provides ?? [],
      dependsOn: [...(r.plugin.definition.dependsOn ?? []), ...(r.plugin.definition.optionalDependsOn ?? []).map((d) => `${d}?`)],
      bootMs: r.bootMs === undefined ? undefined : Math.round(r.bootMs),
    }));
  }

  record(id: string): PluginRecord | undefined {
    return this.#records.find((r) => r.plugin.id === id);
  }

  /** The first required dependency (plugin or service provider) that is not up. */
  #blockedBy(record: PluginRecord): string | undefined {
    for (const dep of record.plugin.definition.dependsOn ?? []) {
      const target = this.#records.find((r) => r.plugin.id === dep) ?? this.#records.find((r) => (r.plugin.definition.provides ?? []).includes(dep));
      if (target && (target.state === 'failed' || target.state === 'skipped')) return dep;
    }
    return undefined;
  }

  #fail(record: PluginRecord, state: 'failed' | 'skipped', message: string, phase: string, cause?: unknown): void {
    record.state = state;
    record.error = message;
    this.#pluginUp.set({ plugin: record.plugin.id }, 0);
    this.health.removePlugin(record.plugin.id);
    this.tools.removePlugin(record.plugin.id);
    this.services.remove(record.plugin.id);
    if (record.plugin.onBootFailure === 'abort') {
      this.#state = 'failed';
      throw new BootError(record.plugin.id, phase, cause ?? new Error(message));
    }
    this.logger.warn({ plugin: record.plugin.id, phase, err: cause }, `plugin ${state} (onBootFailure: continue): ${message}`);
  }
}
