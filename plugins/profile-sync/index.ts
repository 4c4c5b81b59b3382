/**
 * profile-sync: materialises each agent's OpenClaw workspace (SOUL.md,
 * USER.md, IDENTITY.md, AGENTS.md, skills) and the openclaw.json roster from
 * the backend, at start and whenever agent-sync reports a roster change.
 * Off by default: writing files the gateway reads is opt-in. See docs/profile-sync.md.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { profileSyncDoctor } from './doctor.ts';
import { BackendService } from '../../core/services.ts';
import { DEFAULT_AGENTS_MD } from './default-agents-md.ts';
import { DEFAULT_MODEL_MAP } from './render.ts';
import { ProfileSyncRef } from './service.ts';
import { syncProfiles } from './sync.ts';

const configSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Write workspaces and openclaw.json (OPENCLAW_PROFILE_SYNC)' }),
    workspaceRoot: Type.String({
      minLength: 1,
      default: '.runtime/openclaw-workspace/agents',
      description: 'Directory holding one workspace per agent slug; relative to the working directory (OPENCLAW_WORKSPACE_ROOT)',
    }),
    configPath: Type.Optional(Type.String({ minLength: 1, description: 'openclaw.json to write; default <parent of workspaceRoot>/openclaw.json (OPENCLAW_CONFIG_PATH)' })),
    gatewayWorkspaceRoot: Type.Optional(
      Type.String({ minLength: 1, description: 'workspaceRoot as the gateway sees it (container mount), used for paths inside openclaw.json' }),
    ),
    modelMap: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }), { description: 'Backend model name → OpenClaw model id; merged over the defaults' })),
    agentsMdPath: Type.Optional(Type.String({ minLength: 1, description: 'File used as every agent\'s AGENTS.md instead of the built-in manual (read on each sync)' })),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'profile-sync',
  version: '1.0.0',
  description: 'Writes OpenClaw agent workspaces and the openclaw.json roster from the backend',
  dependsOn: ['backend', 'agent-sync'],
  provides: ['profile-sync'],
  configSchema,
  doctor: profileSyncDoctor,
  env: {
    OPENCLAW_PROFILE_SYNC: { path: 'enabled', type: 'boolean' },
    OPENCLAW_WORKSPACE_ROOT: { path: 'workspaceRoot', type: 'string' },
    OPENCLAW_CONFIG_PATH: { path: 'configPath', type: 'string' },
  },
  register(api, options) {
    const backend = api.use(BackendService);
    const workspaceRoot = path.resolve(options.workspaceRoot);
    const configPath = path.resolve(options.configPath ?? path.join(path.dirname(workspaceRoot), 'openclaw.json'));
    const gatewayWorkspaceRoot = options.gatewayWorkspaceRoot ?? workspaceRoot;
    const modelMap = { ...DEFAULT_MODEL_MAP, ...options.modelMap };
    const agentsMdPath = options.agentsMdPath ? path.resolve(options.agentsMdPath) : undefined;

    const runs = api.metrics.counter({
      name: 'runtime_profile_sync_runs_total',
      help: 'Profile syncs by outcome (written, unchanged, error)',
      labelNames: ['outcome'],
    });
    const state = {
      lastSyncAt: null as number | null,
      filesWritten: 0,
      filesWrittenTotal: 0,
      skippedSlugs: [] as string[],
      lastError: null as string | null,
    };
    let orphansLogged = '';
    let current: Promise<void> | undefined;
    let again = false;
    let stopped = false;

    async function runOnce(): Promise<void> {
      try {
        // Read on every sync so an edited manual is picked up without a restart.
        const agentsMd = agentsMdPath ? await readFile(agentsMdPath, 'utf8') : DEFAULT_AGENTS_MD;
        const profiles = await backend.listAgentsForRuntime();
        const result = await syncProfiles(profiles, { workspaceRoot, gatewayWorkspaceRoot, configPath, agentsMd, modelMap, logger: api.logger });
        state.lastSyncAt = api.clock.now();
        state.filesWritten = result.written.length;
        state.filesWrittenTotal += result.written.length;
        state.skippedSlugs = result.skipped;
        state.lastError = null;
        runs.inc({ outcome: result.written.length > 0 ? 'written' : 'unchanged' });
        if (result.written.length > 0) {
          api.logger.info({ agents: profiles.length, files: result.written.length, configChanged: result.configChanged }, 'agent profiles synced');
        }
        const orphans = result.orphans.join(',');
        if (orphans && orphans !== orphansLogged) {
          // Workspaces hold the agent's memory and work; removing them is the operator's decision, not a sync side effect.
          api.logger.info({ directories: result.orphans }, 'workspace directories without an agent are left in place');
        }
        orphansLogged = orphans;
      } catch (err) {
        state.lastError = err instanceof Error ? err.message : String(err);
        runs.inc({ outcome: 'error' });
        api.logger.warn({ err }, 'profile sync failed');
      }
    }

    /** Coalesces: a request during a sync schedules exactly one follow-up, so the latest roster always lands. */
    function syncNow(): Promise<void> {
      if (!options.enabled || stopped) return Promise.resolve();
      if (current) {
        again = true;
        return current;
      }
      current = (async () => {
        do {
          again = false;
          await runOnce();
        } while (again && !stopped);
      })().finally(() => {
        current = undefined;
      });
      return current;
    }

    api.provide(ProfileSyncRef, { syncNow });
    api.health.status(() => ({ enabled: options.enabled, workspaceRoot, configPath, ...state }));
    if (options.enabled) api.hooks.onAgentsChanged.tap(() => syncNow());

    return {
      start() {
        stopped = false;
        if (!options.enabled) {
          api.logger.info('profile sync is off (set OPENCLAW_PROFILE_SYNC=true to write agent workspaces and openclaw.json)');
          return;
        }
        void syncNow();
      },
      async stop() {
        stopped = true;
        await current;
      },
    };
  },
});
