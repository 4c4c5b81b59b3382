/**
 * agent-http: the HTTP fallback of every agent tool (POST /agent/<tool-name>),
 * generated from the tool registry, plus the run tokens that authenticate it.
 *
 * - Auth: a run token the runtime issues per agent run (bound to agent, task,
 *   offered capabilities and expiry), instead of the forgeable session key of
 *   the original runtime. The legacy `x-openclaw-session-key` header works
 *   only with `legacySessionKeyAuth: true`.
 * - Callers: loopback only, unless `allowedCidrs` lists more (a Compose network).
 * - Bodies: JSON, at most `bodyLimitBytes`; invalid input is a 4xx naming the field.
 * - GET /agent/openapi.json describes every endpoint.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { BackendService, HttpServiceRef, RunTokensRef } from '../../core/services.ts';
import { createToolExecutor } from '../../core/tools/executor.ts';
import { createAllowlist, parseCidrList } from './allowlist.ts';
import { createRunTokenService } from './run-tokens.ts';
import { sweepTokenFiles, withTokenFiles } from './token-files.ts';
import { agentRoutes } from './routes.ts';

const Options = Type.Object(
  {
    allowedCidrs: Type.Union([Type.Array(Type.String()), Type.String()], {
      default: [],
      description: 'Networks allowed besides loopback, e.g. ["172.18.0.0/16"] or "172.18.0.0/16,fd00::/8" (AGENT_HTTP_ALLOWED_CIDRS)',
    }),
    legacySessionKeyAuth: Type.Boolean({
      default: false,
      description: 'Also accept x-openclaw-session-key (forgeable; migration only)',
    }),
    tokenTtlMs: Type.Integer({ default: 15 * 60 * 1000, minimum: 10_000, maximum: 24 * 60 * 60 * 1000, description: 'Default run token lifetime' }),
    workspaceRoot: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Agent workspaces (one directory per slug, as profile-sync writes them; OPENCLAW_WORKSPACE_ROOT). When set, each run token is handed to its agent as a 0600 header file in its workspace instead of in the prompt',
      }),
    ),
    bodyLimitBytes: Type.Integer({ default: 64 * 1024, minimum: 1024, maximum: 2 * 1024 * 1024, description: 'Largest accepted request body' }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'agent-http',
  version: '1.0.0',
  description: 'HTTP fallback for agent tools (POST /agent/<tool>) with run-token auth, loopback-only by default',
  dependsOn: ['http', 'backend'],
  provides: ['run-tokens'],
  configSchema: Options,
  env: {
    AGENT_HTTP_ALLOWED_CIDRS: { path: 'allowedCidrs', type: 'string', allowEmpty: true },
    AGENT_HTTP_LEGACY_SESSION_KEY_AUTH: { path: 'legacySessionKeyAuth', type: 'boolean' },
    AGENT_HTTP_TOKEN_TTL_MS: { path: 'tokenTtlMs', type: 'integer' },
    OPENCLAW_WORKSPACE_ROOT: { path: 'workspaceRoot', type: 'string' },
  },
  register(api, options) {
    const allowlist = createAllowlist(parseCidrList(options.allowedCidrs));
    const http = api.use(HttpServiceRef);
    const backend = api.use(BackendService);
    const memory = createRunTokenService({
      now: () => api.clock.now(),
      defaultTtlMs: options.tokenTtlMs,
      // Every token embeds this process secret: scrubbing it from logs leaves no usable token behind.
      onSecret: (secret) => api.secret(secret),
    });
    // With a shared workspace, tokens reach agents as files, never in the prompt or on a command line.
    const tokens = options.workspaceRoot ? withTokenFiles(memory, { workspaceRoot: options.workspaceRoot, logger: api.logger }) : memory;
    api.provide(RunTokensRef, tokens);
    if (options.legacySessionKeyAuth) {
      api.logger.warn('legacySessionKeyAuth is on: agent endpoints also trust x-openclaw-session-key, which agents can forge');
    }
    const executor = createToolExecutor({ tools: api.tools, hooks: api.hooks, backend, logger: api.logger, metrics: api.metrics });
    http.app.register(
      agentRoutes({
        tools: api.tools,
        executor,
        tokens,
        allowlist,
        backend,
        logger: api.logger,
        bodyLimitBytes: options.bodyLimitBytes,
        legacySessionKeyAuth: options.legacySessionKeyAuth,
        accountId: api.runtime.accountId,
        baseUrl: () => http.baseUrl(),
        version: api.runtime.version,
      }),
      { prefix: '/agent' },
    );
    api.health.status(() => ({
      allowedCidrs: ['loopback', ...allowlist.entries],
      legacySessionKeyAuth: options.legacySessionKeyAuth,
      tokenHandoff: options.workspaceRoot ? 'file' : 'env',
      tools: api.tools.list().length,
      runTokens: tokens.size(),
    }));
    const workspaceRoot = options.workspaceRoot;
    return {
      start() {
        // Files of an earlier process hold dead tokens; remove them so nothing stale looks usable.
        if (!workspaceRoot) return;
        const removed = sweepTokenFiles(workspaceRoot);
        if (removed) api.logger.info({ removed }, 'removed run token files of an earlier process');
      },
      stop() {
        // Tokens die with the process: their files go with it.
        if (workspaceRoot) sweepTokenFiles(workspaceRoot);
      },
    };
  },
});
