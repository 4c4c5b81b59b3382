/**
 * agent-sync: polls the backend's agent roster and fires `onAgentsChanged`
 * when agents appear, disappear or change (profile sync and schedulers tap it).
 * Profiles (SOUL, IDENTITY, USER, skills from `listAgentsForRuntime`) are part
 * of what counts as a change, so profile edits reach the gateway without a restart.
 * One sync runs right after start (not awaited: the runtime must come up with
 * the backend slow) and then every `intervalMs`. Failures keep the previous
 * roster, so the next good sync reports the real difference.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { BackendService } from '../../core/services.ts';
import { diffRoster, isEmptyDiff, toRoster, type Roster } from './roster.ts';
import { AgentSyncRef, type AgentSyncOutcome } from './service.ts';

const configSchema = Type.Object(
  {
    intervalMs: Type.Integer({ default: 300_000, minimum: 10_000, maximum: 86_400_000, description: 'Period between roster syncs (AGENT_SYNC_INTERVAL)' }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'agent-sync',
  version: '1.0.0',
  description: 'Polls the agent roster and fires onAgentsChanged on additions, removals and changes',
  dependsOn: ['backend'],
  provides: ['agent-sync'],
  configSchema,
  env: { AGENT_SYNC_INTERVAL: { path: 'intervalMs', type: 'integer' } },
  register(api, options) {
    const backend = api.use(BackendService);
    const runs = api.metrics.counter({
      name: 'runtime_agent_sync_runs_total',
      help: 'Agent roster syncs by outcome (changed, unchanged, error, skipped)',
      labelNames: ['outcome'],
    });

    // undefined until the first successful sync, which always fires the hook.
    let roster: Roster | undefined;
    let running: Promise<AgentSyncOutcome> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const state: { lastSyncAt: number | null; agents: number | null; lastError: string | null } = {
      lastSyncAt: null,
      agents: null,
      lastError: null,
    };

    async function runSync(): Promise<AgentSyncOutcome> {
      try {
        const [agents, profiles] = await Promise.all([backend.listAgents(), backend.listAgentsForRuntime()]);
        const next = toRoster(agents, profiles);
        const diff = diffRoster(roster ?? new Map(), next);
        const first = roster === undefined;
        roster = next;
        state.lastSyncAt = api.clock.now();
        state.agents = agents.length;
        state.lastError = null;
        if (!first && isEmptyDiff(diff)) return 'unchanged';
        api.logger.info(
          { agents: agents.length, added: diff.added.length, removed: diff.removed.length, changed: diff.changed.length },
          first ? 'agent roster loaded' : 'agent roster changed',
        );
        // Taps are isolated by the kernel; awaiting keeps the next sync from overlapping their work.
        await api.hooks.onAgentsChanged.call({ agents, ...diff });
        return 'changed';
      } catch (err) {
        state.lastError = err instanceof Error ? err.message : String(err);
        api.logger.warn({ err }, 'agent sync failed; keeping the previous roster');
        return 'error';
      }
    }

    function syncNow(): Promise<AgentSyncOutcome> {
      if (running) {
        runs.inc({ outcome: 'skipped' });
        return Promise.resolve('skipped');
      }
      running = runSync()
        .then((outcome) => {
          runs.inc({ outcome });
          return outcome;
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    }

    function schedule(): void {
      if (stopped) return;
      timer = setTimeout(() => {
        void syncNow().finally(schedule);
      }, options.intervalMs);
      timer.unref();
    }

    api.provide(AgentSyncRef, { syncNow });
    api.health.status(() => ({ intervalMs: options.intervalMs, ...state }));

    return {
      start() {
        stopped = false;
        void syncNow().finally(schedule);
      },
      async stop() {
        stopped = true;
        clearTimeout(timer);
        // Let an in-flight sync finish while the backend (started before us, stopped after us) is still there.
        await running;
      },
    };
  },
});
