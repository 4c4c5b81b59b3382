/**
 * gateway-openclaw: provides the `gateway` service, an OpenResponses client for
 * OpenClaw 2026.9.x gateways (strict flat-tool requests, multi-round client
 * tools, whole-exchange timeouts, classified errors) plus an HTTP readiness
 * prober that keeps the runtime up while the gateway is away. See docs/gateway.md.
 */
import Type from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { gatewayDoctor } from './doctor.ts';
import { GatewayService } from '../../core/services.ts';
import { isGatewayError } from '../../core/ports/gateway.ts';
import { createOpenClawGateway } from './gateway.ts';
import { safeUrl } from './redact.ts';

const configSchema = Type.Object(
  {
    url: Type.String({ default: 'http://127.0.0.1:18789', description: 'Gateway base URL (OPENCLAW_GATEWAY_URL)' }),
    token: Type.Optional(Type.String({ secret: true, minLength: 1, description: 'Gateway bearer token (OPENCLAW_GATEWAY_TOKEN); no header when unset' })),
    requestTimeoutMs: Type.Integer({ default: 300_000, minimum: 5_000, maximum: 600_000, description: 'Deadline of one HTTP exchange and default deadline of a turn' }),
    maxToolRounds: Type.Integer({ default: 8, minimum: 0, maximum: 64, description: 'Client-tool rounds per turn before giving up (roundCapReached)' }),
    probeIntervalMs: Type.Integer({ default: 10_000, minimum: 100, maximum: 600_000, description: 'Readiness probe period while up' }),
    probeTimeoutMs: Type.Integer({ default: 5_000, minimum: 100, maximum: 60_000, description: 'Timeout of one readiness probe' }),
    downRetryMinMs: Type.Integer({ default: 1_000, minimum: 50, maximum: 600_000, description: 'First re-probe delay while down (doubles up to probeIntervalMs)' }),
  },
  { additionalProperties: false },
);

export default definePlugin({
  id: 'gateway-openclaw',
  version: '1.0.0',
  description: 'OpenClaw gateway client (OpenResponses /v1/responses) with readiness probing',
  provides: ['gateway'],
  configSchema,
  doctor: gatewayDoctor,
  env: {
    OPENCLAW_GATEWAY_URL: { path: 'url', type: 'url' },
    OPENCLAW_GATEWAY_TOKEN: { path: 'token', type: 'string' },
    OPENCLAW_REQUEST_TIMEOUT_MS: { path: 'requestTimeoutMs', type: 'integer' },
  },
  register(api, options) {
    const parsed = new URL(options.url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new Error(`gateway url must be http(s), got ${parsed.protocol}`);
    }
    api.secret(options.token);

    const requests = api.metrics.counter({
      name: 'runtime_gateway_requests_total',
      help: 'HTTP requests to the gateway /v1/responses by outcome (ok or error kind)',
      labelNames: ['outcome'],
    });
    const duration = api.metrics.histogram({
      name: 'runtime_gateway_request_duration_seconds',
      help: 'Duration of one /v1/responses exchange, body included',
      labelNames: ['outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    });
    const rounds = api.metrics.histogram({
      name: 'runtime_gateway_turn_tool_rounds',
      help: 'Client-tool rounds per completed agent turn',
      buckets: [0, 1, 2, 3, 5, 8, 13, 21],
    });
    const up = api.metrics.gauge({ name: 'runtime_gateway_up', help: '1 when the last gateway probe or request succeeded' });

    const gateway = createOpenClawGateway({
      url: options.url,
      token: options.token,
      requestTimeoutMs: options.requestTimeoutMs,
      maxToolRounds: options.maxToolRounds,
      probeIntervalMs: options.probeIntervalMs,
      probeTimeoutMs: options.probeTimeoutMs,
      downRetryMinMs: options.downRetryMinMs,
      clock: api.clock,
      logger: api.logger,
      onExchange: (e) => {
        if (e.endpoint !== 'responses') return;
        requests.inc({ outcome: e.outcome });
        duration.observe({ outcome: e.outcome }, e.seconds);
      },
      onTurn: (result, error, seconds) => {
        if (result) {
          rounds.observe(result.rounds);
          api.logger.debug({ rounds: result.rounds, roundCapReached: result.roundCapReached, seconds }, 'agent turn finished');
        } else {
          const kind = isGatewayError(error) ? error.kind : 'error';
          api.logger.debug({ kind, seconds, err: (error as Error)?.message }, 'agent turn failed');
        }
      },
      onTransition: (_from, to) => up.set(to === 'up' ? 1 : 0),
    });
    api.provide(GatewayService, gateway);

    api.health.check(
      'reachable',
      () => {
        const s = gateway.status();
        if (s.reachable === 'up') return { ok: true };
        return { ok: false, detail: s.reachable === 'unknown' ? 'gateway not probed yet' : (s.lastError ?? 'gateway unreachable') };
      },
      { critical: true },
    );
    api.health.status(() => ({
      url: safeUrl(options.url),
      tokenConfigured: Boolean(options.token),
      maxToolRounds: options.maxToolRounds,
      requestTimeoutMs: options.requestTimeoutMs,
      ...gateway.status(),
    }));

    up.set(0);

    return {
      // Not awaiting a first probe: the runtime must come up without a gateway.
      start() {
        gateway.start();
      },
      async stop() {
        await gateway.stop();
      },
    };
  },
});
