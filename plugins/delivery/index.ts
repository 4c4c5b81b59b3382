/**
 * Delivery: the runtime's main job. Polls undelivered notifications, runs each
 * through policy (`onNotification`), the gateway and the tool registry, writes
 * replies back, and records every outcome (`onDelivered`).
 *
 * Path of one notification: loop.ts (#pollOnce → #admit → #enqueue → #runSession
 * → #deliver) → run.ts (runNotification) → loop.ts (#finish, or #answeredFailure
 * → dead-letters.ts).
 */
import path from 'node:path';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { deliveryCommands } from './commands.ts';
import { BackendService, GatewayService, HttpServiceRef, RunTokensRef } from '../../core/services.ts';
import { createToolExecutor } from '../../core/tools/executor.ts';
import { DeliveryPolicyRef } from './policy-port.ts';
import { DeliveryStore } from './store.ts';
import { DeliveryLoop } from './loop.ts';

const Options = Type.Object(
  {
    /** Poll interval when idle (DELIVERY_INTERVAL). */
    intervalMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 15_000 }),
    backoffBaseMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 5_000 }),
    backoffMaxMs: Type.Integer({ minimum: 100, maximum: 86_400_000, default: 300_000 }),
    listLimit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    contextConcurrency: Type.Integer({ minimum: 1, maximum: 50, default: 15 }),
    maxConcurrentSessions: Type.Integer({ minimum: 1, maximum: 100, default: 10 }),
    /** Deadline of one run, all tool rounds included; the gateway call is cancelled when it fires. */
    runTimeoutMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 600_000 }),
    /** Answered failures before a notification is dead-lettered. */
    maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
    /** Send tools as client function tools; when false, agents use the HTTP fallback with a run token. */
    clientTools: Type.Boolean({ default: true }),
    maxToolRounds: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
    /** What an agent answers to decline (never NO_REPLY: the gateway answers 500 to that). */
    silentToken: Type.String({ minLength: 3, pattern: '^[A-Z][A-Z0-9_]+$', default: 'NOTHING_TO_ADD' }),
    /** SQLite file for retry state and dead letters, relative to the runtime data dir. */
    storeFile: Type.String({ minLength: 1, default: 'delivery.sqlite' }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'delivery',
  version: '1.0.0',
  description: 'Delivers notifications to agent sessions and writes replies back',
  dependsOn: ['backend', 'gateway', 'delivery-policy'],
  optionalDependsOn: ['http', 'run-tokens'],
  configSchema: Options,
  commands: deliveryCommands,
  env: {
    DELIVERY_INTERVAL: { path: 'intervalMs', type: 'integer' },
    DELIVERY_BACKOFF_BASE_MS: { path: 'backoffBaseMs', type: 'integer' },
    DELIVERY_BACKOFF_MAX_MS: { path: 'backoffMaxMs', type: 'integer' },
    DELIVERY_LIST_LIMIT: { path: 'listLimit', type: 'integer' },
    DELIVERY_CONTEXT_FETCH_BATCH_SIZE: { path: 'contextConcurrency', type: 'integer' },
    DELIVERY_MAX_CONCURRENT_SESSIONS: { path: 'maxConcurrentSessions', type: 'integer' },
    DELIVERY_STREAM_TIMEOUT_MS: { path: 'runTimeoutMs', type: 'integer' },
    DELIVERY_MAX_ATTEMPTS: { path: 'maxAttempts', type: 'integer' },
    OPENCLAW_CLIENT_TOOLS_ENABLED: { path: 'clientTools', type: 'boolean' },
  },
  register(api, options) {
    if (options.backoffMaxMs < options.backoffBaseMs) {
      throw new Error(`backoffMaxMs (${options.backoffMaxMs}) must be >= backoffBaseMs (${options.backoffBaseMs})`);
    }
    const backend = api.use(BackendService);
    const gateway = api.use(GatewayService);
    const policy = api.use(DeliveryPolicyRef);
    const executor = createToolExecutor({ tools: api.tools, hooks: api.hooks, backend, logger: api.logger, metrics: api.metrics });
    let loop: DeliveryLoop | undefined;
    let store: DeliveryStore | undefined;

    const outcomes = api.metrics.counter({ name: 'runtime_deliveries_total', help: 'Notifications by final outcome of an attempt', labelNames: ['outcome', 'type'] });
    const latency = api.metrics.histogram({
      name: 'runtime_delivery_duration_seconds',
      help: 'Time to deliver one notification (run, tools and write-back)',
      labelNames: ['outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    });
    api.hooks.onDelivered.tap((e) => {
      outcomes.inc({ outcome: e.outcome, type: e.notificationType });
      if (e.outcome !== 'skipped') latency.observe({ outcome: e.outcome }, e.durationMs / 1000);
    });

    api.health.status(() => ({
      running: loop !== undefined,
      paused: loop?.paused ?? null,
      inFlight: loop?.inFlight ?? 0,
      delivered: loop?.stats.delivered ?? 0,
      skipped: loop?.stats.skipped ?? 0,
      retried: loop?.stats.retried ?? 0,
      deadLettered: loop?.stats.deadLettered ?? 0,
      consecutiveBackendFailures: loop?.stats.backendFailures ?? 0,
      lastPollAt: loop?.stats.lastPollAt ?? null,
      lastError: loop?.stats.lastError ?? null,
      lastErrorAt: loop?.stats.lastErrorAt ?? null,
      store: store?.counts() ?? null,
      config: { ...options },
    }));

    // Tools called over the HTTP fallback (e.g. response_request) may create notifications too.
    api.hooks.afterToolCall.tap((e) => {
      if (e.outcome === 'ok' && e.subject.via === 'http') loop?.wake();
    });

    api.hooks.onShutdown.tap(async ({ deadline }) => {
      await loop?.stop(deadline);
    });

    return {
      start() {
        store = new DeliveryStore(path.resolve(api.runtime.dataDir, options.storeFile));
        const http = api.tryUse(HttpServiceRef);
        loop = new DeliveryLoop(
          {
            backend,
            gateway,
            executor,
            policy,
            runTokens: api.tryUse(RunTokensRef),
            logger: api.logger,
            options: { silentToken: options.silentToken, runTimeoutMs: options.runTimeoutMs, clientTools: options.clientTools, maxToolRounds: options.maxToolRounds },
            baseUrl: () => http?.baseUrl(),
            notifyWork: () => loop?.wake(),
          },
          options,
          store,
          api.hooks,
          api.clock,
        );
        loop.start();
      },
      stop() {
        store?.close();
      },
    };
  },
});
