/**
 * Plugin `backend-convex`: the backend port on the hosted Mission Control
 * backend, through the real `convex` client. Works against the existing
 * backend unchanged: same function paths, same argument shapes.
 */
import { Type } from 'typebox';
import { definePlugin } from '../../core/plugin.ts';
import { convexDoctor } from './doctor.ts';
import { BackendService } from '../../core/services.ts';
import { meterBackend } from '../../core/backend-metrics.ts';
import type { BackendError } from '../../core/ports/backend.ts';
import { createConvexPort } from './port.ts';
import { validateConvexSettings } from './validate.ts';
import { createHttpClient } from '../../core/http-client.ts';

export { createConvexPort } from './port.ts';
export { validateConvexSettings, ConvexConfigError } from './validate.ts';

const configSchema = Type.Object(
  {
    url: Type.Optional(Type.String({ description: 'Convex deployment URL (env CONVEX_URL)' })),
    serviceToken: Type.Optional(
      Type.String({ secret: true, description: 'Service token mc_service_{accountId}_{secret} (env SERVICE_TOKEN; never put it in a config file)' }),
    ),
    requestTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 600_000, default: 15_000, description: 'Deadline of one HTTP attempt' })),
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, default: 2, description: 'Extra attempts for read/idempotent functions after a transport failure' })),
  },
  { additionalProperties: false },
);

/** How recent a successful answer must be for the health check to skip its own probe call. */
const HEALTH_FRESH_MS = 30_000;

export default definePlugin({
  id: 'backend-convex',
  version: '0.1.0',
  description: 'Mission Control backend on Convex (service/actions:* through ConvexHttpClient)',
  provides: ['backend'],
  configSchema,
  doctor: convexDoctor,
  env: {
    CONVEX_URL: { path: 'url', type: 'string' },
    SERVICE_TOKEN: { path: 'serviceToken', type: 'string' },
  },
  register(api, options) {
    api.secret(options.serviceToken);
    const settings = validateConvexSettings({ accountId: api.runtime.accountId, url: options.url, serviceToken: options.serviceToken });
    api.secret(settings.serviceToken);

    // Last finished attempt: `ok` means the deployment answered and accepted the token.
    let last: { at: number; outcome: 'ok' | BackendError['kind'] } | undefined;
    // One keep-alive connection pool for every call of this runtime.
    const http = createHttpClient();
    const port = createConvexPort({
      http,
      url: settings.url,
      accountId: settings.accountId,
      serviceToken: settings.serviceToken,
      requestTimeoutMs: options.requestTimeoutMs ?? 15_000,
      retries: options.retries ?? 2,
      onAttempt: (e) => {
        last = { at: api.clock.now(), outcome: e.outcome };
        if (e.error && e.error.kind !== 'rejected') {
          // Callers decide what a failure means (pause, retry later); one line per attempt is enough.
          const level = e.willRetry ? 'debug' : 'warn';
          api.logger[level]({ fn: e.functionName, attempt: e.attempt, kind: e.error.kind, willRetry: e.willRetry }, 'convex call failed');
        }
      },
    });
    api.provide(BackendService, meterBackend(port, api.metrics));

    api.health.check('reachable', async () => {
      if (last?.outcome === 'ok' && api.clock.now() - last.at < HEALTH_FRESH_MS) return { ok: true };
      try {
        await port.getOrchestratorAgentId();
        return { ok: true };
      } catch (err) {
        const e = err as BackendError;
        // getOrchestratorAgentId checks nothing but the credentials, so a refusal means
        // the deployment answers but does not accept ACCOUNT_ID / SERVICE_TOKEN.
        if (e.kind === 'rejected') return { ok: false, detail: 'backend refused the service token (check ACCOUNT_ID and SERVICE_TOKEN)' };
        return { ok: false, detail: `convex ${e.kind}` };
      }
    });
    api.health.status(() => ({
      url: settings.url,
      accountId: settings.accountId,
      lastCall: last ? { at: last.at, outcome: last.outcome } : null,
    }));
    api.logger.info({ url: settings.url, accountId: settings.accountId }, 'convex backend configured');
    return {
      stop() {
        http.close();
      },
    };
  },
});
