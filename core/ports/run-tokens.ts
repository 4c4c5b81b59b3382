/**
 * Run tokens: short-lived credentials the runtime issues for one agent run, so
 * the HTTP tool fallback can authenticate the agent without trusting a session
 * key (which an agent can forge, original-runtime.md §15.2). A token is bound to
 * the agent, the task and the capabilities offered in that run, expires, and is
 * revoked when the run ends.
 *
 * A token never travels on a command line (other processes on the host can read
 * `/proc/<pid>/cmdline`): `handoff()` says how the agent gets it instead. See
 * docs/security.md.
 */
import type { Id } from './domain.ts';
import type { AgentCapabilities } from '../tools/registry.ts';
import type { ToolCallLedger } from './tool-ledger.ts';

export interface RunTokenClaims {
  agentId: Id;
  agentSlug: string;
  taskId?: Id;
  notificationId?: Id;
  /** Capabilities offered in the run; the HTTP fallback offers exactly the same tools. */
  capabilities: AgentCapabilities;
  /** Epoch ms. */
  expiresAt: number;
}

export type RunTokenVerification =
  | {
      ok: true;
      claims: RunTokenClaims;
      /**
       * Mutating calls already made under this token's run: the issuer's ledger (the
       * notification's, shared with the function-tool path), else one per token.
       */
      ledger: ToolCallLedger;
    }
  | { ok: false; reason: 'missing' | 'malformed' | 'invalid' | 'expired' | 'revoked' };

/**
 * How the agent presents its token without putting it on a command line:
 * - `file`: the runtime wrote the whole header line (`Authorization: Bearer …`)
 *   to `path`, relative to the agent's workspace (its working directory), mode
 *   0600; `curl -H @<path>` sends it. The token itself never enters the prompt.
 * - `env`: no shared workspace; the token is given in the prompt and the agent
 *   sets it as `variable` in the environment of that one tool call (OpenClaw's
 *   exec `env`), and sends it from there (`printf … "$VAR" | curl -H @-`).
 */
export type RunTokenHandoff = { kind: 'file'; path: string } | { kind: 'env'; variable: string; token: string };

export interface RunTokenService {
  /**
   * Issues a token valid for `ttlMs` (the service's default when omitted). `ledger`: where
   * calls under this token record their effects (a fresh one per token when omitted).
   */
  issue(claims: Omit<RunTokenClaims, 'expiresAt'>, ttlMs?: number, options?: { ledger?: ToolCallLedger }): string;
  verify(token: string | undefined): RunTokenVerification;
  /** How the agent of this token receives it (see RunTokenHandoff). */
  handoff(token: string): RunTokenHandoff;
  /** Ends a token early (the run finished); its token file, if any, is deleted. */
  revoke(token: string): void;
}
