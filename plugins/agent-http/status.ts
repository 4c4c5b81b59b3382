/** One mapping from a tool execution to an HTTP status, for every tool alike. */
import type { BackendErrorCode } from '../../core/ports/backend.ts';
import type { ToolExecution } from '../../core/tools/executor.ts';

export function statusForCode(code: BackendErrorCode | undefined): number {
  switch (code) {
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    // The runtime's own backend credentials or the backend itself failed: not the caller's fault.
    case 'unauthorized':
    case 'internal':
      return 502;
    default:
      // invalid_argument, invalid_transition, and uncoded refusals (hosted backends redact codes).
      return 422;
  }
}

export function statusForExecution(execution: ToolExecution): number {
  // A replayed call answers like the call it repeats (its recorded, successful result).
  if (execution.outcome === 'ok' || execution.outcome === 'replayed') return 200;
  switch (execution.reason) {
    case 'unknown_tool':
      return 404;
    case 'not_offered':
    case 'not_allowed':
    case 'blocked':
      return 403;
    case 'invalid_arguments':
      return 400;
    case 'backend_unavailable':
    case 'cancelled':
      return 503;
    case 'tool_error':
      return 500;
    default:
      return statusForCode(execution.code);
  }
}
