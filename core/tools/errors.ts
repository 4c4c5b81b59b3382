/**
 * How a tool says "no" without crashing. A tool throws one of these; the
 * executor turns it into a structured result for the model and a status for
 * the HTTP fallback. Codes are the backend's codes, so a refusal by the tool
 * and the same refusal by the backend look alike to the agent.
 */
import type { BackendErrorCode } from '../ports/backend.ts';

/** The tool refused the call (permission, missing target, state). */
export class ToolRefusal extends Error {
  readonly code: BackendErrorCode;

  constructor(code: BackendErrorCode, message: string) {
    super(message);
    this.name = 'ToolRefusal';
    this.code = code;
  }
}

/** An argument is wrong in a way the schema cannot express (e.g. a required default that is absent). */
export class ToolArgumentError extends Error {
  /** The parameter at fault, e.g. `taskId` or `assigneeSlugs/1`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'ToolArgumentError';
    this.field = field;
  }
}

export const forbidden = (message: string): ToolRefusal => new ToolRefusal('forbidden', `Forbidden: ${message}`);
export const notFound = (message: string): ToolRefusal => new ToolRefusal('not_found', `Not found: ${message}`);
export const invalidArgument = (field: string, message: string): ToolArgumentError => new ToolArgumentError(field, message);
