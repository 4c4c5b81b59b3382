/**
 * Backend session keys → gateway session keys.
 *
 * The backend hands out `task:{taskId}:agent:{slug}:{accountId}:v{n}` and
 * `system:agent:{slug}:{accountId}:v{n}`. An OpenClaw gateway uses the
 * `x-openclaw-session-key` header verbatim and lets its `agent:{id}:` prefix pick
 * the agent that runs; a key without that prefix fails (HTTP 500) on a gateway with
 * several agents. So every key we send starts with `agent:{slug}:`, and the rest
 * keeps all parts of the backend key, so that one backend key always lands in one
 * gateway session and two backend keys never share one. See docs/gateway.md.
 */
import { GatewayError } from '../../core/ports/gateway.ts';

/** OpenClaw agent ids as the gateway accepts them in `openclaw/{id}` and `agent:{id}:`. */
const SLUG = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
/** A key part (task id, account id): no separators, header-safe. */
const PART = '[A-Za-z0-9_.-]+';
const TASK_KEY = new RegExp(`^task:(${PART}):agent:([^:]+):(${PART}):v(\\d+)$`);
const SYSTEM_KEY = new RegExp(`^system:agent:([^:]+):(${PART}):v(\\d+)$`);
const AGENT_KEY = /^agent:([^:]+):(.+)$/;
/** Printable ASCII only: the key travels in an HTTP header. */
const HEADER_SAFE = /^[\x21-\x7e]+$/;
const MAX_KEY_LENGTH = 512;

/** Namespaces the gateway reserves for itself (400 if a client uses them). */
export const RESERVED_PREFIXES = ['cron:', 'subagent:', 'acp:'] as const;

export type BackendSessionKey =
  | { kind: 'task'; taskId: string; agentSlug: string; accountId: string; generation: number }
  | { kind: 'system'; agentSlug: string; accountId: string; generation: number }
  | { kind: 'agent'; agentSlug: string; rest: string }
  | { kind: 'other'; key: string };

export function isValidAgentSlug(slug: string): boolean {
  return SLUG.test(slug);
}

/** Recognises the backend's key forms; anything else is `other`. Pure. */
export function parseBackendSessionKey(key: string): BackendSessionKey {
  let m = TASK_KEY.exec(key);
  if (m) return { kind: 'task', taskId: m[1], agentSlug: m[2], accountId: m[3], generation: Number(m[4]) };
  m = SYSTEM_KEY.exec(key);
  if (m) return { kind: 'system', agentSlug: m[1], accountId: m[2], generation: Number(m[3]) };
  m = AGENT_KEY.exec(key);
  if (m) return { kind: 'agent', agentSlug: m[1], rest: m[2] };
  return { kind: 'other', key };
}

function invalid(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}

/**
 * Maps a backend key to the gateway key for `agentSlug`:
 * - `task:{taskId}:agent:{slug}:{accountId}:v{n}` → `agent:{slug}:task:{taskId}:{accountId}:v{n}`
 * - `system:agent:{slug}:{accountId}:v{n}`        → `agent:{slug}:system:{accountId}:v{n}`
 * - `agent:{slug}:{rest}`                         → unchanged
 * - any other key `k`                             → `agent:{slug}:ext:{k}`
 *
 * A key that names a different agent than `agentSlug` is refused rather than
 * silently routed: the gateway would run the agent named in the key.
 * Throws `GatewayError('invalid_request')`.
 */
export function toGatewaySessionKey(backendKey: string, agentSlug: string): string {
  if (!isValidAgentSlug(agentSlug)) throw invalid(`agent slug is not a valid OpenClaw agent id`);
  if (!backendKey || backendKey.length > MAX_KEY_LENGTH || !HEADER_SAFE.test(backendKey)) {
    throw invalid('session key is empty, too long or contains characters not allowed in a header');
  }
  const parsed = parseBackendSessionKey(backendKey);
  if (parsed.kind !== 'other' && parsed.agentSlug !== agentSlug) {
    throw invalid(`session key belongs to agent "${parsed.agentSlug}", not "${agentSlug}"`);
  }
  switch (parsed.kind) {
    case 'task':
      return `agent:${agentSlug}:task:${parsed.taskId}:${parsed.accountId}:v${parsed.generation}`;
    case 'system':
      return `agent:${agentSlug}:system:${parsed.accountId}:v${parsed.generation}`;
    case 'agent':
      return backendKey;
    case 'other':
      return `agent:${agentSlug}:ext:${backendKey}`;
  }
}

/** The agent a gateway key routes to (its `agent:{id}:` prefix), or undefined. */
export function agentOfGatewayKey(gatewayKey: string): string | undefined {
  return AGENT_KEY.exec(gatewayKey)?.[1];
}
