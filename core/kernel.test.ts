import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { definePlugin, type AnyPluginDefinition } from './plugin.ts';
import { ConfigError } from './config/index.ts';
import { BootError } from './kernel.ts';
import { createServiceRef } from './services.ts';
import { createTestKernel } from '../tests/support/test-kernel.ts';

const empty = Type.Object({}, { additionalProperties: false });

/** A plugin that records lifecycle events into `events`. */
function tracer(id: string, events: string[], extra: Partial<AnyPluginDefinition> = {}): AnyPluginDefinition {
  return definePlugin({
    id,
    version: '1.0.0',
    configSchema: empty,
    ...extra,
    register(api) {
      events.push(`register:${id}`);
      api.hooks.onShutdown.tap(() => {
        events.push(`shutdown:${id}`);
      });
      return {
        start: () => {
          events.push(`start:${id}`);
        },
        stop: () => {
          events.push(`stop:${id}`);
        },
      };
    },
  });
}

async function configErrorOf(promise: Promise<unknown>): Promise<string[]> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as ConfigError).message.split('\n').slice(1).map((l) => l.trim());
}

describe('kernel ordering', () => {
  it('registers and starts in dependency order, stops in reverse', async () => {
    const events: string[] = [];
    const { kernel } = await createTestKernel({
      plugins: [
        { plugin: tracer('c', events, { dependsOn: ['b'] }) },
        { plugin: tracer('a', events) },
        { plugin: tracer('b', events, { dependsOn: ['a'] }) },
      ],
    });
    await kernel.start();
    expect(kernel.plugins().map((p) => p.id)).toEqual(['a', 'b', 'c']);
    await kernel.stop('test');
    expect(events).toEqual([
      'register:a', 'register:b', 'register:c',
      'start:a', 'start:b', 'start:c',
      'shutdown:c', 'shutdown:b', 'shutdown:a',
      'stop:c', 'stop:b', 'stop:a',
    ]);
  });

  it('lets the event loop turn between two starts, so a server started first answers while the rest start', async () => {
    const events: string[] = [];
    const ioTurn = (id: string): AnyPluginDefinition =>
      definePlugin({
        id,
        version: '1.0.0',
        configSchema: empty,
        register: () => ({
          start: () => {
            events.push(`start:${id}`);
            // What a listening server's pending request needs: a turn of the event loop, not a microtask.
            setImmediate(() => events.push(`io after ${id}`));
          },
        }),
      });
    const { kernel } = await createTestKernel({ plugins: [{ plugin: ioTurn('a') }, { plugin: ioTurn('b') }] });
    await kernel.start();
    expect(events).toEqual(['start:a', 'io after a', 'start:b', 'io after b']);
    await kernel.stop('test');
  });

  it('resolves a dependency on a service to the plugin that provides it', async () => {
    const events: string[] = [];
    const Thing = createServiceRef<{ hello(): string }>('thing');
    const provider = definePlugin({
      id: 'thing-provider', version: '1.0.0', configSchema: empty, provides: ['thing'],
      register(api) { events.push('provider'); api.provide(Thing, { hello: () => 'hi' }); },
    });
    const consumer = definePlugin({
      id: 'consumer', version: '1.0.0', configSchema: empty, dependsOn: ['thing'],
      register(api) { events.push(`consumer:${api.use(Thing).hello()}`); },
    });
    const { kernel } = await createTestKernel({ plugins: [{ plugin: consumer }, { plugin: provider }] });
    await kernel.start();
    expect(events).toEqual(['provider', 'consumer:hi']);
    await kernel.stop();
  });

  it('refuses a service used without being declared', async () => {
    const Thing = createServiceRef<number>('thing');
    const provider = definePlugin({ id: 'p', version: '1', configSchema: empty, provides: ['thing'], register(api) { api.provide(Thing, 1); } });
    const sneaky = definePlugin({ id: 'sneaky', version: '1', configSchema: empty, optionalDependsOn: [], register(api) { api.use(Thing); } });
    const { kernel } = await createTestKernel({ plugins: [{ plugin: provider }, { plugin: sneaky }] });
    await expect(kernel.start()).rejects.toThrow(/uses service "thing" without declaring it/);
  });

  it('reports a cycle naming every plugin in it', async () => {
    const lines = await configErrorOf(
      createTestKernel({
        plugins: [
          { plugin: tracer('a', [], { dependsOn: ['c'] }) },
          { plugin: tracer('b', [], { dependsOn: ['a'] }) },
          { plugin: tracer('c', [], { dependsOn: ['b'] }) },
        ],
      }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\(a\): dependency cycle: a -> c -> b -> a/);
  });

  it('reports a missing dependency with both plugins named', async () => {
    const lines = await configErrorOf(createTestKernel({ plugins: [{ plugin: tracer('needy', [], { dependsOn: ['backend'] }) }] }));
    expect(lines).toEqual([expect.stringMatching(/\/plugins\/0 \(needy\): depends on "backend", but no plugin in the config is or provides "backend"/)]);
  });

  it('reports duplicate plugins and duplicate service providers', async () => {
    const dup = await configErrorOf(createTestKernel({ plugins: [{ plugin: tracer('x', []) }, { plugin: tracer('x', []) }] }));
    expect(dup).toEqual([expect.stringMatching(/\/plugins\/1 \(x\): plugin "x" is listed twice \(first at \/plugins\/0\)/)]);
    const twoProviders = await configErrorOf(
      createTestKernel({ plugins: [{ plugin: tracer('one', [], { provides: ['backend'] }) }, { plugin: tracer('two', [], { provides: ['backend'] }) }] }),
    );
    expect(twoProviders[0]).toMatch(/\(two\): provides "backend", which plugin "one" already provides/);
  });
});

describe('shutdown drain', () => {
  it('drains plugins in parallel: a long drain of a later plugin does not eat the budget of an earlier one', async () => {
    // "delivery" starts first, "heartbeat" later; in reverse order the heartbeat's drain would run first
    // and hold the whole budget, so delivery would start draining only at the deadline.
    const seen: string[] = [];
    let deliveryDraining!: () => void;
    const deliveryStarted = new Promise<void>((r) => (deliveryDraining = r));
    const delivery = definePlugin({
      id: 'delivery-like',
      version: '1.0.0',
      configSchema: empty,
      register(api) {
        api.hooks.onShutdown.tap(async () => {
          seen.push('delivery drain start');
          deliveryDraining();
        });
      },
    });
    const heartbeat = definePlugin({
      id: 'heartbeat-like',
      version: '1.0.0',
      configSchema: empty,
      dependsOn: ['delivery-like'],
      register(api) {
        api.hooks.onShutdown.tap(async ({ deadline }) => {
          seen.push('heartbeat drain start');
          // A run in flight: it ends when the deadline comes, or as soon as delivery drains beside it.
          const atDeadline = new Promise<string>((r) => setTimeout(() => r('deadline'), Math.max(0, deadline - Date.now())));
          seen.push(`heartbeat drain end (${await Promise.race([deliveryStarted.then(() => 'delivery drained beside it'), atDeadline])})`);
        });
      },
    });
    const { kernel } = await createTestKernel({ runtime: { shutdownTimeoutMs: 1500 }, plugins: [{ plugin: delivery }, { plugin: heartbeat }] });
    await kernel.start();
    await kernel.stop('test');
    expect(seen).toContain('heartbeat drain end (delivery drained beside it)');
    expect(seen.indexOf('delivery drain start')).toBeLessThan(seen.indexOf('heartbeat drain end (delivery drained beside it)'));
  });
});

describe('boot failure policy', () => {
  const broken = (phase: 'register' | 'start') =>
    definePlugin({
      id: 'broken', version: '1', configSchema: empty,
      register() {
        if (phase === 'register') throw new Error('cannot register');
        return { start() { throw new Error('cannot start'); } };
      },
    });

  it('abort (default): the boot fails naming the plugin, started plugins are stopped', async () => {
    const events: string[] = [];
    const { kernel } = await createTestKernel({ plugins: [{ plugin: tracer('ok', events) }, { plugin: broken('start') }] });
    const err = await kernel.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BootError);
    expect((err as BootError).pluginId).toBe('broken');
    expect((err as Error).message).toBe('plugin "broken" failed to start: cannot start');
    await kernel.stop('boot failed');
    expect(events).toContain('stop:ok');
  });

  it('continue: the plugin is marked failed, its dependents skipped, the rest runs', async () => {
    const events: string[] = [];
    const { kernel, logs } = await createTestKernel({
      plugins: [
        { plugin: broken('register'), onBootFailure: 'continue' },
        { plugin: tracer('dependent', events, { dependsOn: ['broken'] }), onBootFailure: 'continue' },
        { plugin: tracer('independent', events) },
      ],
    });
    await kernel.start();
    const states = Object.fromEntries(kernel.plugins().map((p) => [p.id, p.state]));
    expect(states).toEqual({ broken: 'failed', dependent: 'skipped', independent: 'started' });
    expect(kernel.plugins().find((p) => p.id === 'broken')?.error).toBe('cannot register');
    expect(events).toEqual(['register:independent', 'start:independent']);
    expect(logs.find((l) => l.plugin === 'broken' && l.level === 40)).toBeDefined();
    const readiness = await kernel.readiness();
    expect(readiness.ready).toBe(true); // optional plugins do not gate readiness
    await kernel.stop();
  });

  it('a register that never settles times out', async () => {
    const hang = definePlugin({ id: 'hang', version: '1', configSchema: empty, register: () => new Promise<void>(() => {}) });
    const { kernel } = await createTestKernel({ plugins: [{ plugin: hang, bootTimeoutMs: 150 }] });
    await expect(kernel.start()).rejects.toThrow('plugin "hang" failed to register: register timed out after 150 ms');
  });
});

describe('hook isolation', () => {
  it('a throwing or hanging tap is logged with its plugin and the other taps still run', async () => {
    const seen: string[] = [];
    const thrower = definePlugin({
      id: 'thrower', version: '1', configSchema: empty,
      register(api) {
        api.hooks.onDelivered.tap(() => { throw new Error('boom'); });
        api.hooks.onNotification.tap(() => { throw new Error('policy crashed'); });
      },
    });
    const hanger = definePlugin({
      id: 'hanger', version: '1', configSchema: empty,
      register(api) {
        api.hooks.onDelivered.tap(() => new Promise<void>(() => {}));
        api.hooks.onNotification.tap(() => new Promise(() => {}));
      },
    });
    const observer = definePlugin({
      id: 'observer', version: '1', configSchema: empty,
      register(api) {
        api.hooks.onDelivered.tap((e) => { seen.push(`delivered:${e.notificationId}`); });
        api.hooks.onNotification.tap(() => ({ action: 'skip', reason: 'observer decided' }));
      },
    });
    const { kernel, logs } = await createTestKernel({
      plugins: [
        { plugin: thrower },
        { plugin: hanger, hookTimeoutMs: 50 },
        { plugin: observer },
      ],
    });
    await kernel.start();
    const event = { notificationId: 'n1', notificationType: 'assignment', outcome: 'delivered' as const, posted: true, attempt: 1, durationMs: 1, toolCalls: 0 };
    await kernel.hooks.onDelivered.promise(event);
    expect(seen).toEqual(['delivered:n1']);
    const decision = await kernel.hooks.onNotification.promise({ notification: {} as never, context: {} as never });
    expect(decision).toEqual({ action: 'skip', reason: 'observer decided' });
    const errors = logs.lines().filter((l) => l.level === 50);
    expect(errors.map((l) => [l.plugin, l.hook])).toEqual(
      expect.arrayContaining([['thrower', 'onDelivered'], ['thrower', 'onNotification'], ['hanger', 'onDelivered'], ['hanger', 'onNotification']]),
    );
    const metrics = await kernel.metricsRegistry.getSingleMetricAsString('runtime_plugin_hook_errors_total');
    expect(metrics).toContain('runtime_plugin_hook_errors_total{plugin="hanger",hook="onNotification"} 1');
    expect(kernel.state).toBe('running');
    await kernel.stop();
  });

  it('delivers a config change only to the plugin it names', async () => {
    const seen: string[] = [];
    const listener = (id: string) =>
      definePlugin({ id, version: '1', configSchema: empty, register(api) { api.hooks.onConfigChange.tap((e) => { seen.push(`${id}:${e.pluginId}`); }); } });
    const { kernel } = await createTestKernel({ plugins: [{ plugin: listener('one') }, { plugin: listener('two') }] });
    await kernel.start();
    await kernel.hooks.onConfigChange.promise({ pluginId: 'two', options: {}, previous: {} });
    expect(seen).toEqual(['two:two']);
    await kernel.stop();
  });

  it('taps of a plugin that failed to boot are not run', async () => {
    let ran = false;
    const halfway = definePlugin({
      id: 'halfway', version: '1', configSchema: empty,
      register(api) {
        api.hooks.onHeartbeat.tap(() => { ran = true; });
        throw new Error('failed after tapping');
      },
    });
    const { kernel } = await createTestKernel({ plugins: [{ plugin: halfway, onBootFailure: 'continue' }] });
    await kernel.start();
    await kernel.hooks.onHeartbeat.promise({ agentId: 'a', agentSlug: 'a', outcome: 'ok', durationMs: 1 });
    expect(ran).toBe(false);
    await kernel.stop();
  });

  it('the waterfall hook passes rewritten params on; a failing tap leaves them unchanged', async () => {
    const rewriter = definePlugin({
      id: 'rewriter', version: '1', configSchema: empty,
      register(api) {
        api.hooks.beforeToolCall.tap((e) => ({ ...e, params: { ...e.params, limit: 5 } }));
        api.hooks.beforeToolCall.tap(() => { throw new Error('bad rewrite'); });
      },
    });
    const { kernel } = await createTestKernel({ plugins: [{ plugin: rewriter }] });
    await kernel.start();
    const api = kernel.hooks.beforeToolCall;
    const result = await api.promise({ tool: 'task_list', params: { limit: 50 }, subject: { agentId: 'a', agentSlug: 'a', via: 'gateway' } });
    expect(result.params).toEqual({ limit: 5 });
    await kernel.stop();
  });
});

describe('options', () => {
  const withOptions = definePlugin({
    id: 'tunable',
    version: '1',
    configSchema: Type.Object(
      {
        intervalMs: Type.Integer({ minimum: 1000, default: 15000 }),
        mode: Type.Union([Type.Literal('fast'), Type.Literal('safe')], { default: 'safe' }),
        token: Type.Optional(Type.String({ secret: true })),
      },
      { additionalProperties: false },
    ),
    env: { TUNABLE_INTERVAL: { path: 'intervalMs', type: 'integer' }, TUNABLE_TOKEN: { path: 'token', type: 'string' } },
    register(api, options) {
      api.logger.info({ options }, 'configured');
    },
  });

  it('applies defaults, then the file, then env bindings', async () => {
    const { config } = await createTestKernel({ plugins: [{ plugin: withOptions, options: { mode: 'fast' } }], env: { TUNABLE_INTERVAL: '2500' } });
    expect(config.plugins[0].options).toEqual({ intervalMs: 2500, mode: 'fast' });
  });

  it('reports every invalid option with its source, path and plugin', async () => {
    const lines = await configErrorOf(
      createTestKernel({ plugins: [{ plugin: withOptions, options: { intervalMs: 10, mode: 'turbo', extra: true } }] }),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^test-config\.json:\/plugins\/0\/options\/extra \(tunable\): unknown option \(allowed: intervalMs, mode, token\)$/),
        expect.stringMatching(/^test-config\.json:\/plugins\/0\/options\/intervalMs \(tunable\): must be >= 1000 \(got 10\)$/),
        expect.stringMatching(/^test-config\.json:\/plugins\/0\/options\/mode \(tunable\): .*\(got "turbo"\)$/),
      ]),
    );
  });

  it('blames the environment variable when an env value is invalid', async () => {
    const notInt = await configErrorOf(createTestKernel({ plugins: [{ plugin: withOptions }], env: { TUNABLE_INTERVAL: '15000abc' } }));
    expect(notInt).toEqual(['env:TUNABLE_INTERVAL (tunable): expected an integer, got "15000abc"']);
    const tooSmall = await configErrorOf(createTestKernel({ plugins: [{ plugin: withOptions }], env: { TUNABLE_INTERVAL: '5' } }));
    expect(tooSmall).toEqual(['env:TUNABLE_INTERVAL:/plugins/0/options/intervalMs (tunable): must be >= 1000 (got 5)']);
  });

  it('never writes a secret option to the log, whatever logs it', async () => {
    const secret = 'mc_service_acct1_0123456789abcdef';
    const { kernel, logs } = await createTestKernel({ plugins: [{ plugin: withOptions }], env: { TUNABLE_TOKEN: secret } });
    await kernel.start();
    kernel.logger.info(`message embedding ${secret} in text`);
    kernel.logger.error({ err: new Error(`failed with ${secret}`) }, 'error with secret in message');
    kernel.logger.info({ headers: { authorization: 'Bearer other-secret-value' } }, 'headers');
    await kernel.stop();
    const text = logs.text();
    expect(text).toContain('configured');
    expect(text).toContain('[Redacted]');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('other-secret-value');
  });
});
