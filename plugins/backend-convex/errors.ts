/**
 * Classifying a failed Convex call without reading message text (production
 * deployments redact messages to "Server Error"). The decision rests on what
 * the transport observed for that call (see `CallProbe`) and on ConvexError
 * data; the message is kept for humans only.
 */
import { BackendError, type BackendErrorCode } from '../../core/ports/backend.ts';

/** What happened on the wire during one call, recorded by the client's fetch. */
export interface CallProbe {
  /** Our deadline fired before the answer was complete. */
  timedOut: boolean;
  /** fetch itself threw (DNS, refused, reset, aborted). */
  networkError: boolean;
  /** HTTP status of the answer, when one arrived. */
  httpStatus?: number;
  /** Shape of a 200/560 body: a function result, a function error, or not an envelope. */
  envelope?: 'success' | 'error' | 'invalid';
}

const CODES: ReadonlySet<string> = new Set<BackendErrorCode>([
  'unauthorized',
  'forbidden',
  'not_found',
  'invalid_argument',
  'invalid_transition',
  'conflict',
  'internal',
]);

/** The structured code of a ConvexError whose data is `{ code }` (or `{ code, … }`). */
export function errorDataCode(err: unknown): BackendErrorCode | undefined {
  const data = (err as { data?: unknown } | null)?.data;
  if (data && typeof data === 'object' && typeof (data as { code?: unknown }).code === 'string') {
    const code = (data as { code: string }).code.toLowerCase();
    return CODES.has(code) ? (code as BackendErrorCode) : undefined;
  }
  return undefined;
}

function dataMessage(err: unknown): string | undefined {
  const data = (err as { data?: unknown } | null)?.data;
  const message = data && typeof data === 'object' ? (data as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : undefined;
}

/**
 * - deadline passed → `timeout`;
 * - no HTTP answer, or an HTTP status other than 200/560, or a body that is not
 *   a Convex envelope → `unavailable` (the function's outcome is unknown);
 * - a `status: "error"` envelope → `rejected` (the function ran and threw),
 *   with `code` from ConvexError data when the backend sent one.
 */
export function classifyFailure(functionName: string, err: unknown, probe: CallProbe): BackendError {
  if (err instanceof BackendError) return err;
  const text = err instanceof Error ? err.message : String(err);
  if (probe.timedOut) return new BackendError('timeout', functionName, `${functionName}: no answer within the request timeout`, { cause: err });
  if (probe.networkError || probe.httpStatus === undefined) {
    return new BackendError('unavailable', functionName, `${functionName}: backend unreachable (${firstLine(text)})`, { cause: err });
  }
  if (probe.httpStatus !== 200 && probe.httpStatus !== 560) {
    return new BackendError('unavailable', functionName, `${functionName}: backend answered HTTP ${probe.httpStatus}`, { cause: err });
  }
  if (probe.envelope === 'error') {
    const code = errorDataCode(err);
    return new BackendError('rejected', functionName, `${functionName}: ${dataMessage(err) ?? firstLine(text)}`, { code, cause: err });
  }
  if (probe.envelope === 'invalid') {
    return new BackendError('unavailable', functionName, `${functionName}: backend answered with something other than a Convex response`, {
      cause: err,
    });
  }
  // A success envelope we could not decode: a client/backend mismatch, not transient.
  return new BackendError('rejected', functionName, `${functionName}: could not decode the answer (${firstLine(text)})`, {
    code: 'internal',
    cause: err,
  });
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
