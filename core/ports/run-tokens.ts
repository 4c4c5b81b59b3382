/**
 * Run tokens: short-lived credentials the runtime issues for one agent run, so
 * the HTTP tool fallback can authenticate the agent without trusting a session
 * key (which an agent can forge, original-runtime.md §15.2). A token is bound to
 * the agent, the task and the capabilities offered in that run, and expires.
 */
import type { Id } from './domain.ts';
import type { AgentCapabilities } from '../tools/registry.ts';

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
  | { ok: true; claims: RunTokenClaims }
  | { ok: false; reason: 'missing' | 'malformed' | 'invalid' | 'expired' | 'revoked' };

export interface RunTokenService {
  /** Issues a token valid for `ttlMs` (the service's default when omitted). */
  issue(claims: Omit<RunTokenClaims, 'expiresAt'>, ttlMs?: number): string;
  verify(token: string | undefined): RunTokenVerification;
  /** Ends a token early (the run finished). */
  revoke(token: string): void;
}
