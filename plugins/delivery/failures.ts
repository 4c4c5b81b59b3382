/**
 * How a failed delivery is classified (docs/delivery.md, "Failures"):
 * - `outage`: nobody (usable) answered — gateway unreachable or refusing the runtime's credentials
 *   (401/403), backend down or refusing ours, cancelled by shutdown: pause, spend no budget;
 * - `answered`: the run happened and failed, or the request may succeed later (5xx, failed,
 *   incomplete, timeout, 408/429, an agent the gateway does not know yet): spend one attempt;
 * - `permanent`: the gateway can never accept this request (other 4xx), or the runtime cannot build
 *   it for this notification (`invalid_request`, e.g. the session key maps to another agent):
 *   dead-letter this notification now, and never pause the account for it.
 */
import { isBackendError } from '../../core/ports/backend.ts';
import { isGatewayError } from '../../core/ports/gateway.ts';

export type Failure = 'outage' | 'answered' | 'permanent';

export interface Classified {
  failure: Failure;
  message: string;
  /** The gateway does not know the agent (yet): an agent sync may fix it. */
  unknownAgent?: boolean;
}

export class RunFailure extends Error {
  readonly failure: Failure;
  constructor(failure: Failure, message: string, cause?: unknown) {
    super(message, { cause });
    this.failure = failure;
  }
}

const UNKNOWN_AGENT = /unknown agent/i;

export function classifyFailure(err: unknown): Classified {
  if (err instanceof RunFailure) return { failure: err.failure, message: err.message };
  if (isGatewayError(err)) {
    const message = `gateway ${err.kind}${err.status ? ` ${err.status}` : ''}: ${err.message}`;
    if (err.kind === 'unreachable' || err.kind === 'aborted') return { failure: 'outage', message };
    if (err.kind === 'invalid_request') return { failure: 'permanent', message };
    if (err.kind !== 'http' || err.status === undefined) return { failure: 'answered', message };
    const s = err.status;
    if (s === 401 || s === 403) return { failure: 'outage', message: `${message} (check OPENCLAW_GATEWAY_TOKEN)` };
    if ((s === 400 || s === 404) && UNKNOWN_AGENT.test(err.message)) return { failure: 'answered', message, unknownAgent: true };
    if (s >= 400 && s < 500 && s !== 408 && s !== 429) return { failure: 'permanent', message };
    return { failure: 'answered', message };
  }
  if (isBackendError(err)) {
    // A refused credential is the deployment's problem, not this notification's.
    if (err.transient || err.code === 'unauthorized') return { failure: 'outage', message: `backend ${err.kind} in ${err.functionName}: ${err.message}` };
    return { failure: 'answered', message: `backend refused ${err.functionName}: ${err.message}` };
  }
  return { failure: 'answered', message: (err as Error)?.message ?? String(err) };
}
