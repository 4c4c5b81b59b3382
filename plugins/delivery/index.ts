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
import { AgentTurnsRef, BackendService, GatewayService, HttpServiceRef, RunTokensRef, createServiceRef } from '../../core/services.ts';
import type { AgentTurns } from '../../core/ports/agent-turns.ts';
import { createToolExecutor } from '../../core/tools/executor.ts';
import { DeliveryPolicyRef } from './policy-port.ts';
import { DeliveryStore } from './store.ts';
import { DeliveryLoop } from './loop.ts';
import { deliveryScope } from './scope.ts';

/** The `agent-sync` service, as far as delivery uses it (asked to run when the gateway does not know an agent). */
const AgentSyncRef = createServiceRef<{ syncNow(): Promise<unknown> }>('agent-sync');

const Options = Type.Object(
  {
    /** Pins the poll interval (DELIVERY_INTERVAL); unset: adaptive, ~1 s while active, 30 s after 10 idle minutes. */
    intervalMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 86_400_000 })),
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
    /** Dead letters older than this are dropped (a replay asked for keeps its dead letter). */
    deadLetterRetentionDays: Type.Integer({ minimum: 1, maximum: 3650, default: 30 }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'delivery',
  version: '1.0.0',
  description: 'Delivers notifications to agent sessions and writes replies back',
  dependsOn: ['backend', 'gateway', 'delivery-policy'],
  optionalDependsOn: ['http', 'run-tokens', 'agent-sync'],
  provides: ['agent-turns'],
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
      if (e.subject.notificationId) loop?.noteToolCall(e.subject.notificationId, { tool: e.tool, outcome: e.outcome, ms: Math.round(e.durationMs) });
      if (e.outcome === 'ok' && e.subject.via === 'http') loop?.wake();
    });

    api.hooks.onShutdown.tap(async ({ deadline }) => {
      await loop?.stop(deadline);
    });

    // Heartbeats ask before they start an agent's turn; before start nothing is pending.
    const turns: AgentTurns = {
      busy: (agentId) => loop?.turns.busy(agentId) ?? false,
      pendingTaskIds: (agentId) => loop?.turns.pendingTaskIds(agentId) ?? new Set(),
      hold: (agentId, reason) => holdUntilStarted(agentId, reason),
      refresh: () => loop?.refresh() ?? Promise.resolve(),
      onIdle: (listener) => {
        idleListeners.add(listener);
        const off = loop?.turns.onIdle(listener);
        return () => {
          idleListeners.delete(listener);
          off?.();
        };
      },
    };
    const idleListeners = new Set<(agentId: string) => void>();
    const holdUntilStarted = (agentId: string, reason: string): (() => void) => {
      if (loop) return loop.turns.hold(agentId, reason);
      // Held before the loop exists: take the hold when it starts, unless released first.
      let release: (() => void) | undefined;
      let released = false;
      pendingHolds.push((l) => {
        if (!released) release = l.turns.hold(agentId, reason);
      });
      return () => {
        released = true;
        release?.();
      };
    };
    const pendingHolds: Array<(l: DeliveryLoop) => void> = [];
    api.provide(AgentTurnsRef, turns);
    const agentSync = api.tryUse(AgentSyncRef);

    // The first poll waits for the whole runtime: the plugins after this one (heartbeat holds,
    // tools) have started, and the kernel may turn the event loop between two starts.
    api.hooks.onStart.tap(() => loop?.start());

    return {
      start() {
        // No busy wait in the runtime: a locked store must never block the event loop.
        store = new DeliveryStore(path.resolve(api.runtime.dataDir, options.storeFile), {
          scope: deliveryScope(api.runtime.env, api.runtime.accountId),
          busyTimeoutMs: 0,
          now: () => api.clock.now(),
          onHistoryError: (err, pending, dropped) =>
            api.logger.warn({ err, pending, dropped }, dropped > 0 ? `delivery store: ${dropped} attempt history row(s) could not be written and were dropped` : 'delivery store: writing the attempt history failed; it is tried again'),
        });
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
            ledgerFor: (notificationId) => store!.toolCalls.forNotification(notificationId),
          },
          { ...options, deadLetterRetentionMs: options.deadLetterRetentionDays * 86_400_000 },
          {
            store,
            hooks: api.hooks,
            clock: api.clock,
            syncAgents: agentSync ? () => void agentSync.syncNow().catch((err: unknown) => api.logger.warn({ err }, 'agent sync failed')) : undefined,
          },
        );
        for (const listener of idleListeners) loop.turns.onIdle(listener);
        for (const take of pendingHolds.splice(0)) take(loop);
      },
      stop() {
        store?.close();
      },
    };
  },
});
