/**
 * Run tokens: HMAC-signed, short-lived credentials for one agent run
 * (core/ports/run-tokens.ts). The key is random per process, so tokens die
 * with the process; that is fine for credentials that live minutes.
 *
 * Format: `mcrt.<base64url JSON claims>.<base64url HMAC-SHA256>`. The claims
 * are not secret (they are what the agent already knows about itself); the
 * signature is what makes the token unforgeable.
 */
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { RunTokenClaims, RunTokenService, RunTokenVerification } from '../../core/ports/run-tokens.ts';
import type { AgentCapabilities } from '../../core/tools/registry.ts';

const PREFIX = 'mcrt';
/** Anything longer is not one of ours; refuse before hashing it. */
const MAX_TOKEN_LENGTH = 4096;
/** Upper bound on a token's life, whatever the caller asks. */
export const MAX_TTL_MS = 24 * 60 * 60 * 1000;

interface Payload {
  v: 1;
  jti: string;
  agentId: string;
  agentSlug: string;
  taskId?: string;
  notificationId?: string;
  capabilities: AgentCapabilities;
  exp: number;
}

export interface RunTokenServiceOptions {
  now: () => number;
  defaultTtlMs: number;
  /** Called with every issued token (to register it for log redaction). */
  onIssue?: (token: string) => void;
  /** Signing key; random when omitted (tests pass one to forge tokens of "another process"). */
  key?: Buffer;
}

export interface RunTokenServiceWithStats extends RunTokenService {
  /** Revoked tokens not yet expired (memory bound check). */
  revokedCount(): number;
}

function sign(key: Buffer, body: string): Buffer {
  return createHmac('sha256', key).update(`${PREFIX}.${body}`).digest();
}

function isPayload(value: unknown): value is Payload {
  const p = value as Payload;
  return (
    typeof p === 'object' &&
    p !== null &&
    p.v === 1 &&
    typeof p.jti === 'string' &&
    typeof p.agentId === 'string' &&
    typeof p.agentSlug === 'string' &&
    typeof p.exp === 'number' &&
    typeof p.capabilities === 'object' &&
    p.capabilities !== null &&
    typeof p.capabilities.flags === 'object'
  );
}

export function createRunTokenService(options: RunTokenServiceOptions): RunTokenServiceWithStats {
  const key = options.key ?? randomBytes(32);
  /** jti → expiry; entries leave once the token would have expired anyway. */
  const revoked = new Map<string, number>();

  const prune = () => {
    const now = options.now();
    for (const [jti, exp] of revoked) if (exp <= now) revoked.delete(jti);
  };

  /** Signature and shape only; expiry and revocation are the caller's. */
  const decode = (token: string): { ok: true; payload: Payload } | { ok: false; reason: 'malformed' | 'invalid' } => {
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'malformed' };
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX || !parts[1] || !parts[2]) return { ok: false, reason: 'malformed' };
    const given = Buffer.from(parts[2], 'base64url');
    const expected = sign(key, parts[1]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid' };
    let payload: unknown;
    try {
      payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    return isPayload(payload) ? { ok: true, payload } : { ok: false, reason: 'malformed' };
  };

  return {
    issue(claims, ttlMs) {
      const ttl = Math.min(Math.max(1, ttlMs ?? options.defaultTtlMs), MAX_TTL_MS);
      const payload: Payload = {
        v: 1,
        jti: randomUUID(),
        agentId: claims.agentId,
        agentSlug: claims.agentSlug,
        ...(claims.taskId !== undefined ? { taskId: claims.taskId } : {}),
        ...(claims.notificationId !== undefined ? { notificationId: claims.notificationId } : {}),
        capabilities: claims.capabilities,
        exp: options.now() + ttl,
      };
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const token = `${PREFIX}.${body}.${sign(key, body).toString('base64url')}`;
      options.onIssue?.(token);
      prune();
      return token;
    },
    verify(token): RunTokenVerification {
      if (!token) return { ok: false, reason: 'missing' };
      const decoded = decode(token);
      if (!decoded.ok) return decoded;
      const p = decoded.payload;
      if (p.exp <= options.now()) return { ok: false, reason: 'expired' };
      if (revoked.has(p.jti)) return { ok: false, reason: 'revoked' };
      const claims: RunTokenClaims = {
        agentId: p.agentId,
        agentSlug: p.agentSlug,
        capabilities: p.capabilities,
        expiresAt: p.exp,
      };
      if (p.taskId !== undefined) claims.taskId = p.taskId;
      if (p.notificationId !== undefined) claims.notificationId = p.notificationId;
      return { ok: true, claims };
    },
    revoke(token) {
      const decoded = decode(token);
      if (!decoded.ok || decoded.payload.exp <= options.now()) return;
      revoked.set(decoded.payload.jti, decoded.payload.exp);
      prune();
    },
    revokedCount() {
      prune();
      return revoked.size;
    },
  };
}
