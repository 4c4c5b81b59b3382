/**
 * heartbeat: wakes each agent on its own interval (agent.heartbeatInterval
 * minutes) to check in on its work. scheduler.ts owns timing (one chain per
 * agent), cycle.ts one check-in. The roster comes from `listAgents` at start and
 * from `onAgentsChanged` (agent-sync) afterwards; each run reads the latest
 * roster entry, so flag, slug and session-key changes apply at the next run.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { AgentTurnsRef, BackendService, GatewayService } from '../../core/services.ts';
import { createToolExecutor } from '../../core/tools/executor.ts';
import type { HeartbeatEvent } from '../../core/hooks.ts';
import type { AgentWithSession, Id } from '../../core/ports/domain.ts';
import { HeartbeatScheduler } from './scheduler.ts';
import { classifyCycleError, runHeartbeatCycle, type CycleResult } from './cycle.ts';
import { nextIdleChance } from './turns.ts';

const TOKEN = { minLength: 3, pattern: '^[A-Z][A-Z0-9_]+$' };

const Options = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    /** Used when an agent has no heartbeatInterval (or a non-positive one). */
    defaultIntervalMinutes: Type.Number({ minimum: 1, maximum: 1440, default: 15 }),
    /** Floor for agents' own intervals, so a misconfigured agent cannot hammer the gateway. */
    minIntervalMinutes: Type.Number({ minimum: 0.5, maximum: 1440, default: 1 }),
    /** Random extra delay per run, 0..jitterMs. */
    jitterMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 30_000 }),
    /** Deadline of one heartbeat turn, tool rounds included. */
    runTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 300_000 }),
    maxTrackedTasks: Type.Integer({ minimum: 1, maximum: 50, default: 12 }),
    /** The all-clear answer (never NO_REPLY: the gateway answers 500 to that on /v1/responses). */
    okToken: Type.String({ ...TOKEN, default: 'HEARTBEAT_OK' }),
    /** Also treated as "nothing to post" (the delivery plugin's decline token). */
    silentToken: Type.String({ ...TOKEN, default: 'NOTHING_TO_ADD' }),
    /** The orchestrator tracks open tasks account-wide and is asked to nudge stale ones. */
    orchestratorFollowUps: Type.Boolean({ default: true }),
    /** For tests and demos only: one interval (ms) for every agent, ignoring minutes and floors. */
    intervalOverrideMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 86_400_000 })),
  },
  { additionalProperties: false },
);

/** Last outcomes kept for status output; bounded so a large roster churn cannot grow it forever. */
const MAX_TRACKED_OUTCOMES = 200;

export default definePlugin({
  id: 'heartbeat',
  version: '1.0.0',
  description: 'Periodic check-ins: wakes each agent on its heartbeat interval to report or act on its tasks',
  dependsOn: ['backend', 'gateway'],
  // agent-turns (delivery): heartbeats never run beside a delivery to the same agent.
  optionalDependsOn: ['agent-sync', 'agent-turns'],
  configSchema: Options,
  env: {
    HEARTBEAT_ENABLED: { path: 'enabled', type: 'boolean' },
    HEARTBEAT_DEFAULT_INTERVAL_MINUTES: { path: 'defaultIntervalMinutes', type: 'number' },
    HEARTBEAT_JITTER_MS: { path: 'jitterMs', type: 'integer' },
    HEARTBEAT_RUN_TIMEOUT_MS: { path: 'runTimeoutMs', type: 'integer' },
  },
  register(api, options) {
    const backend = api.use(BackendService);
    const gateway = api.use(GatewayService);
    const turns = api.tryUse(AgentTurnsRef);
    const executor = createToolExecutor({ tools: api.tools, hooks: api.hooks, backend, logger: api.logger, metrics: api.metrics });
    const roster = new Map<Id, AgentWithSession>();
    const last = new Map<Id, { outcome: HeartbeatEvent['outcome']; reason: string; taskId: Id | null; at: number }>();
    let lastError: { agentId: Id; reason: string; at: number } | null = null;
    /** Agents whose due heartbeat waits for their deliveries to drain. */
    const deferred = new Set<Id>();
    let scheduler: HeartbeatScheduler | undefined;

    // This plugin produces heartbeat events, so it owns their metrics (see plugins/metrics header).
    const total = api.metrics.counter({ name: 'runtime_heartbeats_total', help: 'Heartbeat cycles by outcome', labelNames: ['outcome'] });
    const duration = api.metrics.histogram({
      name: 'runtime_heartbeat_duration_seconds',
      help: 'Time of one heartbeat cycle (turn, tools and post)',
      labelNames: ['outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    });

    const intervalMs = (agent: AgentWithSession): number => {
      if (options.intervalOverrideMs !== undefined) return options.intervalOverrideMs;
      const own = agent.heartbeatInterval;
      const minutes = Number.isFinite(own) && own > 0 ? own : options.defaultIntervalMinutes;
      return Math.round(Math.max(minutes, options.minIntervalMinutes) * 60_000);
    };

    const applyRoster = (agents: AgentWithSession[], initial: boolean) => {
      roster.clear();
      for (const a of agents) roster.set(a._id, a);
      for (const id of [...last.keys()]) if (!roster.has(id)) last.delete(id);
      // lastHeartbeat (written by updateAgentHeartbeat) lets a restart resume each agent's chain.
      scheduler?.sync(
        agents.map((a) => ({ agentId: a._id, intervalMs: intervalMs(a), lastRunAt: typeof a.lastHeartbeat === 'number' ? a.lastHeartbeat : undefined })),
        initial,
      );
    };

    const runOne = async (agentId: Id, signal: AbortSignal) => {
      if (!roster.has(agentId)) return;
      if (turns?.busy(agentId)) {
        // Deferred, not dropped: it runs once the agent's deliveries drained.
        total.inc({ outcome: 'deferred' });
        api.logger.info({ agent: roster.get(agentId)?.slug, reason: 'agent has notifications pending' }, 'heartbeat deferred');
        deferred.add(agentId);
        const stopping = AbortSignal.any([signal, api.kernel.shutdownSignal]);
        try {
          while (turns.busy(agentId) && !stopping.aborted && roster.has(agentId)) await nextIdleChance(turns, agentId, stopping);
        } finally {
          deferred.delete(agentId);
        }
        if (stopping.aborted || !roster.has(agentId)) return;
      }
      // Looked up now, not when scheduled: the roster may have changed since.
      const agent = roster.get(agentId);
      if (!agent) return;
      // Taken in the same tick as the last busy check: deliveries to this agent now wait for the heartbeat.
      const release = turns?.hold(agentId, 'heartbeat');
      const started = Date.now();
      let result: CycleResult;
      try {
        result = await runHeartbeatCycle(
          { backend, gateway, executor, logger: api.logger, now: () => api.clock.now(), options, pendingTaskIds: turns ? () => turns.pendingTaskIds(agentId) : undefined, refreshPending: turns?.refresh ? () => turns.refresh!() : undefined },
          agent,
          signal,
        );
      } catch (err) {
        result = classifyCycleError(err);
      } finally {
        release?.();
      }
      const durationMs = Date.now() - started;
      const at = api.clock.now();
      last.set(agentId, { outcome: result.outcome, reason: result.reason, taskId: result.taskId ?? null, at });
      if (last.size > MAX_TRACKED_OUTCOMES) last.delete(last.keys().next().value!);
      if (result.outcome === 'failed') lastError = { agentId, reason: result.reason, at };
      total.inc({ outcome: result.outcome });
      duration.observe({ outcome: result.outcome }, durationMs / 1000);
      const level = result.outcome === 'failed' ? 'warn' : 'info';
      api.logger[level]({ agent: agent.slug, outcome: result.outcome, taskId: result.taskId, reason: result.reason, durationMs }, 'heartbeat');
      await api.hooks.onHeartbeat.call({ agentId, agentSlug: agent.slug, outcome: result.outcome, taskId: result.taskId, reason: result.reason, durationMs });
    };

    api.hooks.onAgentsChanged.tap(({ agents }) => {
      if (options.enabled) applyRoster(agents, false);
    });

    api.hooks.onShutdown.tap(async ({ deadline }) => {
      await scheduler?.stop(deadline);
    });

    api.health.status(() => ({
      enabled: options.enabled,
      scheduled: scheduler?.snapshot().map((s) => ({ ...s, slug: roster.get(s.agentId)?.slug ?? null })) ?? [],
      running: scheduler?.runningCount ?? 0,
      deferred: [...deferred].map((id) => roster.get(id)?.slug ?? id),
      last: Object.fromEntries(last),
      lastError,
    }));

    return {
      async start() {
        if (!options.enabled) {
          api.logger.info('heartbeats disabled');
          return;
        }
        scheduler = new HeartbeatScheduler({
          run: runOne,
          jitterMs: options.jitterMs,
          now: () => api.clock.now(),
          onError: (agentId, err) => api.logger.error({ err, agentId }, 'heartbeat run threw'),
        });
        // Works without agent-sync; if agent-sync already fired, its roster is at least as fresh.
        const fired = roster.size > 0;
        if (!fired) {
          const agents = await backend.listAgents().catch((err: unknown) => {
            api.logger.warn({ err }, 'listAgents failed at start; heartbeats wait for the next roster change');
            return [] as AgentWithSession[];
          });
          applyRoster(agents, true);
        } else {
          applyRoster([...roster.values()], true);
        }
        api.logger.info({ agents: roster.size }, 'heartbeats scheduled');
      },
      async stop() {
        // onShutdown normally drained already; this covers a stop without it (failed boot).
        await scheduler?.stop(api.clock.now() + 1000);
      },
    };
  },
});
