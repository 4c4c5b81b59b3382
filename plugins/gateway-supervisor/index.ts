/**
 * gateway-supervisor (optional, off by default): runs `openclaw gateway run …`
 * as a child of the runtime, for single-container or bare-metal deployments
 * where nothing else starts the gateway. Readiness uses the `gateway` service's
 * HTTP probe (`GET /v1/models` with the token), so the URL and token are
 * configured once, on gateway-openclaw. See docs/gateway.md.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { GatewayService } from '../../core/services.ts';
import { buildChildEnv, checkEnvOptions } from './child-env.ts';
import { createSupervisor } from './supervisor.ts';

const configSchema = Type.Object(
  {
    command: Type.String({ default: 'openclaw', minLength: 1, description: 'Executable to run (looked up in PATH)' }),
    args: Type.Array(Type.String(), {
      default: ['gateway', 'run', '--port', '18789', '--bind', 'loopback'],
      description: 'Arguments; keep the port in step with gateway-openclaw url',
    }),
    env: Type.Record(Type.String(), Type.String(), { default: {}, description: 'Literal extra environment for the child (not secrets: pass those with passEnv)' }),
    passEnv: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description:
        "Runtime variables passed to the child besides the built-in allow-list (basics, OPENCLAW_*, model-provider keys); NAME or PREFIX*. SERVICE_TOKEN, CONVEX_URL and ACCOUNT_ID are refused",
    }),
    cwd: Type.Optional(Type.String({ minLength: 1 })),
    readyTimeoutMs: Type.Integer({ default: 120_000, minimum: 100, maximum: 3_600_000, description: 'Restart a child not ready after this long' }),
    readyPollMs: Type.Integer({ default: 1_000, minimum: 20, maximum: 60_000 }),
    restartBaseMs: Type.Integer({ default: 1_000, minimum: 10, maximum: 600_000 }),
    restartMaxMs: Type.Integer({ default: 60_000, minimum: 10, maximum: 3_600_000 }),
    stableAfterMs: Type.Integer({ default: 60_000, minimum: 0, maximum: 3_600_000, description: 'Uptime after which a crash starts the backoff over' }),
    stopGraceMs: Type.Integer({ default: 10_000, minimum: 10, maximum: 300_000, description: 'SIGTERM → SIGKILL grace on shutdown' }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'gateway-supervisor',
  version: '1.0.0',
  description: 'Starts and supervises the OpenClaw gateway as a child process (optional)',
  dependsOn: ['gateway'],
  configSchema,
  register(api, options) {
    const gateway = api.use(GatewayService);
    const restarts = api.metrics.counter({ name: 'runtime_gateway_process_restarts_total', help: 'Restarts of the supervised gateway process' });
    const processUp = api.metrics.gauge({ name: 'runtime_gateway_process_ready', help: '1 while the supervised gateway process is ready' });
    const problems = checkEnvOptions(options.passEnv, options.env);
    if (problems.length) throw new Error(`gateway-supervisor options: ${problems.join('; ')}`);
    // An allow-list, never the runtime's whole environment: agents in the gateway can read all of it.
    const env = buildChildEnv(api.runtime.env, { passEnv: options.passEnv, extra: options.env });

    const supervisor = createSupervisor({
      command: options.command,
      args: options.args,
      env,
      cwd: options.cwd,
      probe: async (signal) => (await gateway.probe(signal)).reachable === 'up',
      logger: api.logger,
      clock: api.clock,
      readyTimeoutMs: options.readyTimeoutMs,
      readyPollMs: options.readyPollMs,
      restartBaseMs: options.restartBaseMs,
      restartMaxMs: Math.max(options.restartMaxMs, options.restartBaseMs),
      stableAfterMs: options.stableAfterMs,
      stopGraceMs: options.stopGraceMs,
      onRestart: () => restarts.inc(),
      onStateChange: (state) => processUp.set(state === 'ready' ? 1 : 0),
    });

    // Names only (never values): which variables the gateway gets, to debug a missing provider key.
    const envNames = Object.keys(env).sort();
    api.health.status(() => ({ command: options.command, env: envNames, ...supervisor.status() }));
    // Not critical: gateway-openclaw's `reachable` check already gates readiness.
    api.health.check('process', () => {
      const s = supervisor.status();
      return s.state === 'ready' ? { ok: true } : { ok: false, detail: `gateway process ${s.state}` };
    }, { critical: false });

    return {
      // Does not wait for readiness: the gateway takes 10–25 s to start and the runtime must come up meanwhile.
      start() {
        supervisor.start();
      },
      async stop() {
        await supervisor.stop();
      },
    };
  },
});
