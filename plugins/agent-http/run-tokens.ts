/**
 * Run tokens (core/ports/run-tokens.ts): short opaque credentials for one
 * agent run, with the claims kept here, in memory. Tokens die with the process,
 * which is fine for credentials that live minutes.
 *
 * Format: `mcrt_<process secret><token id>`: 24 + 24 base64url characters of
 * randomness. Why not self-contained signed claims: the token is pasted into
 * prompts (short is better for the model to copy), and every token would have to
 * be registered as a log secret, which costs more with every token issued. Here
 * only the process secret is registered, once: a token in a log line shows as
 * `mcrt_[Redacted]<id>`, and an id without the secret authenticates nothing.
 * The per-token id is what makes a token unguessable for other agents.
 */
import { nodeCrypto } from '../../core/lazy-crypto.ts';
import type { RunTokenClaims, RunTokenService, RunTokenVerification } from '../../core/ports/run-tokens.ts';
import { memoryLedger, type ToolCallLedger } from '../../core/ports/tool-ledger.ts';

/** The variable an agent sets for one exec call when the token is handed over in the prompt. */
export const RUN_TOKEN_ENV = 'MC_RUN_TOKEN';

const PREFIX = 'mcrt_';
const PART_LENGTH = 24; // 18 random bytes in base64url
const TOKEN_LENGTH = PREFIX.length + 2 * PART_LENGTH;
const TOKEN_SHAPE = /^mcrt_[A-Za-z0-9_-]{48}$/;
/** Upper bound on a token's life, whatever the caller asks. */
export const MAX_TTL_MS = 24 * 60 * 60 * 1000;
/** Expired tokens are remembered this long, so a late call hears "expired" rather than "invalid". */
export const EXPIRED_MEMORY_MS = 60 * 60 * 1000;

export interface RunTokenServiceOptions {
  now: () => number;
  defaultTtlMs: number;
  /** Called once with the process secret every token embeds (register it for log redaction). */
  onSecret?: (secret: string) => void;
  /** The process secret; random when omitted (tests pass one to mint tokens of "another process"). */
  secret?: string;
}

export interface RunTokenServiceWithStats extends RunTokenService {
  /** Tokens remembered (live, revoked, recently expired): bounded by runs per TTL + EXPIRED_MEMORY_MS. */
  size(): number;
}

const random = () => nodeCrypto().randomBytes(18).toString('base64url');

export function createRunTokenService(options: RunTokenServiceOptions): RunTokenServiceWithStats {
  const accept = (secret: string): { text: string; bytes: Buffer } => {
    if (secret.length !== PART_LENGTH || !/^[A-Za-z0-9_-]+$/.test(secret)) throw new Error('run token secret must be 24 base64url characters');
    options.onSecret?.(secret);
    return { text: secret, bytes: Buffer.from(secret) };
  };
  // A given secret is checked at once; a random one is made with the first token (node:crypto stays
  // out of start-up, see core/lazy-crypto.ts).
  let processSecret = options.secret === undefined ? undefined : accept(options.secret);
  const secretNow = () => (processSecret ??= accept(random()));
  /** token id → claims; revoked and expired entries stay a while, to answer precisely. */
  const live = new Map<string, { claims: RunTokenClaims; revoked: boolean; ledger: ToolCallLedger }>();

  const prune = () => {
    const now = options.now();
    for (const [id, entry] of live) if (entry.claims.expiresAt + EXPIRED_MEMORY_MS <= now) live.delete(id);
  };

  /** The entry a token names, after checking shape and the process secret in constant time. */
  const lookup = (token: string): { ok: true; id: string } | { ok: false; reason: 'malformed' | 'invalid' } => {
    if (token.length !== TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return { ok: false, reason: 'malformed' };
    const given = Buffer.from(token.slice(PREFIX.length, PREFIX.length + PART_LENGTH));
    if (!nodeCrypto().timingSafeEqual(given, secretNow().bytes)) return { ok: false, reason: 'invalid' };
    return { ok: true, id: token.slice(PREFIX.length + PART_LENGTH) };
  };

  return {
    issue(claims, ttlMs, issueOptions) {
      prune();
      const ttl = Math.min(Math.max(1, ttlMs ?? options.defaultTtlMs), MAX_TTL_MS);
      const id = random();
      const stored: RunTokenClaims = {
        agentId: claims.agentId,
        agentSlug: claims.agentSlug,
        capabilities: structuredClone(claims.capabilities),
        expiresAt: options.now() + ttl,
      };
      if (claims.taskId !== undefined) stored.taskId = claims.taskId;
      if (claims.notificationId !== undefined) stored.notificationId = claims.notificationId;
      live.set(id, { claims: stored, revoked: false, ledger: issueOptions?.ledger ?? memoryLedger() });
      return `${PREFIX}${secretNow().text}${id}`;
    },
    verify(token): RunTokenVerification {
      if (!token) return { ok: false, reason: 'missing' };
      const found = lookup(token);
      if (!found.ok) return found;
      const entry = live.get(found.id);
      if (!entry) return { ok: false, reason: 'invalid' };
      if (entry.claims.expiresAt <= options.now()) return { ok: false, reason: 'expired' };
      if (entry.revoked) return { ok: false, reason: 'revoked' };
      return { ok: true, claims: structuredClone(entry.claims), ledger: entry.ledger };
    },
    handoff(token) {
      // No shared workspace here (token-files.ts adds one): the prompt carries it, exec's env scopes it.
      return { kind: 'env', variable: RUN_TOKEN_ENV, token };
    },
    revoke(token) {
      const found = lookup(token);
      const entry = found.ok ? live.get(found.id) : undefined;
      if (entry) entry.revoked = true;
      prune();
    },
    size() {
      prune();
      return live.size;
    },
  };
}
