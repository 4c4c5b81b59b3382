/**
 * `mc-runtime doctor` for the Convex backend: the three variables, the token's
 * shape, then one read-only call (`listAgents`) that proves the deployment
 * answers and accepts the token. No retries: doctor reports, it does not wait.
 */
import type { DoctorCheck, DoctorFn } from '../../core/plugin.ts';
import { isBackendError } from '../../core/ports/backend.ts';
import { createConvexPort } from './port.ts';
import { validateConvexSettings } from './validate.ts';

const CALL_TIMEOUT_MS = 10_000;

export const convexDoctor: DoctorFn = async ({ options, accountId }) => {
  const url = options.url as string | undefined;
  const serviceToken = options.serviceToken as string | undefined;
  const checks: DoctorCheck[] = [];
  let settings;
  try {
    settings = validateConvexSettings({ accountId, url, serviceToken });
  } catch (err) {
    const missing = /Missing required/.test((err as Error).message);
    checks.push({
      name: missing ? 'environment' : 'settings and token shape',
      ok: false,
      detail: (err as Error).message,
      fix: missing
        ? 'set ACCOUNT_ID, CONVEX_URL and SERVICE_TOKEN of this account (any of them selects the Convex backend)'
        : 'use the deployment URL (https://<name>.convex.cloud) and the service token Mission Control issued for this account (mc_service_{ACCOUNT_ID}_{secret})',
    });
    return checks;
  }
  checks.push({ name: 'environment', ok: true, detail: `ACCOUNT_ID=${settings.accountId}, CONVEX_URL=${settings.url}, SERVICE_TOKEN has the shape mc_service_${settings.accountId}_…` });
  const port = createConvexPort({ ...settings, requestTimeoutMs: Math.min((options.requestTimeoutMs as number | undefined) ?? CALL_TIMEOUT_MS, CALL_TIMEOUT_MS), retries: 0 });
  try {
    const agents = await port.listAgents();
    checks.push({ name: 'backend reachable', ok: true, detail: settings.url });
    checks.push({ name: 'service token accepted', ok: true, detail: `listAgents answered (${agents.length} agents)` });
  } catch (err) {
    if (!isBackendError(err)) throw err;
    if (err.kind === 'rejected') {
      checks.push({ name: 'backend reachable', ok: true, detail: settings.url });
      checks.push({
        name: 'service token accepted',
        ok: false,
        detail: `listAgents was refused${err.code ? ` (${err.code})` : ''}: ${err.message}`,
        fix: 'the deployment does not accept this SERVICE_TOKEN for ACCOUNT_ID: issue a new service token for the account in Mission Control',
      });
    } else {
      checks.push({
        name: 'backend reachable',
        ok: false,
        detail: `${settings.url}: ${err.kind}: ${err.message}`,
        fix: 'check CONVEX_URL (the .convex.cloud deployment URL) and that this host can reach it',
      });
    }
  }
  return checks;
};
