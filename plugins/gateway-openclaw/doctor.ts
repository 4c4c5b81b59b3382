/**
 * `mc-runtime doctor` for the OpenClaw gateway: one `GET /v1/models` with the
 * configured token (what the readiness prober asks) tells reachable, token
 * accepted, and which agents the gateway serves.
 */
import type { DoctorCheck, DoctorFn } from '../../core/plugin.ts';
import { safeUrl } from './redact.ts';
import { fetchFailure } from '../../core/cli/doctor-fs.ts';

const CALL_TIMEOUT_MS = 5_000;

export const gatewayDoctor: DoctorFn = async ({ options, signal }) => {
  const url = String(options.url).replace(/\/+$/, '');
  const token = options.token as string | undefined;
  const shown = safeUrl(url);
  const checks: DoctorCheck[] = [];
  let res: Response;
  try {
    res = await fetch(`${url}/v1/models`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.any([signal, AbortSignal.timeout((options.probeTimeoutMs as number | undefined) ?? CALL_TIMEOUT_MS)]),
    });
  } catch (err) {
    const cause = fetchFailure(err);
    checks.push({
      name: 'gateway reachable',
      ok: false,
      detail: `${shown}: ${cause}`,
      fix: 'start the OpenClaw gateway, or set OPENCLAW_GATEWAY_URL to where it listens (a starting gateway needs 10–15 s)',
    });
    return checks;
  }
  await res.body?.cancel();
  checks.push({ name: 'gateway reachable', ok: true, detail: shown });
  if (res.status === 401 || res.status === 403) {
    checks.push({
      name: 'gateway token accepted',
      ok: false,
      detail: `GET /v1/models answered ${res.status}${token ? '' : ' and OPENCLAW_GATEWAY_TOKEN is not set'}`,
      fix: 'set OPENCLAW_GATEWAY_TOKEN to the gateway\'s gateway.auth.token',
    });
  } else if (!res.ok) {
    checks.push({ name: 'gateway answers', ok: false, detail: `GET /v1/models answered ${res.status}`, fix: 'enable the OpenResponses endpoints in the gateway config (gateway.http.endpoints), or wait until it finished starting' });
  } else {
    checks.push({ name: 'gateway token accepted', ok: true, detail: token ? 'GET /v1/models answered 200' : 'no token configured and the gateway asks for none' });
  }
  return checks;
};
