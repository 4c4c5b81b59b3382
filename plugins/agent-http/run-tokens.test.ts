import { describe, expect, it } from 'vitest';
import { deriveCapabilities } from '../../core/tools/capabilities.ts';
import { createRunTokenService, EXPIRED_MEMORY_MS, MAX_TTL_MS } from './run-tokens.ts';

const capabilities = deriveCapabilities({ agentId: 'a1', flags: {}, orchestratorAgentId: 'o1', task: { status: 'in_progress' } });
const claims = { agentId: 'a1', agentSlug: 'engineer', taskId: 't1', notificationId: 'n1', capabilities };

function service(now = { t: 1_000_000 }, secret?: string) {
  const secrets: string[] = [];
  const s = createRunTokenService({ now: () => now.t, defaultTtlMs: 60_000, onSecret: (x) => secrets.push(x), secret });
  return { s, now, secrets };
}

describe('run tokens', () => {
  it('are short, carry the process secret, and round-trip the claims', () => {
    const { s, secrets } = service();
    const token = s.issue(claims);
    expect(token).toMatch(/^mcrt_[\w-]{48}$/);
    expect(secrets).toHaveLength(1);
    expect(token.slice(5, 29)).toBe(secrets[0]);
    expect(s.verify(token)).toEqual({ ok: true, claims: { ...claims, expiresAt: 1_060_000 }, ledger: expect.objectContaining({ lookup: expect.any(Function) }) });
    // Two tokens share only the process secret.
    expect(s.issue(claims).slice(29)).not.toBe(token.slice(29));
  });

  it('keeps its own copy of the claims', () => {
    const { s } = service();
    const mine = structuredClone(claims);
    const token = s.issue(mine);
    mine.capabilities.isOrchestrator = true;
    const verified = s.verify(token);
    expect(verified.ok && verified.claims.capabilities.isOrchestrator).toBe(false);
  });

  it('refuses missing, malformed, guessed and foreign tokens', () => {
    const { s, secrets } = service();
    const token = s.issue(claims);
    expect(s.verify(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(s.verify('')).toEqual({ ok: false, reason: 'missing' });
    expect(s.verify('Bearer x')).toEqual({ ok: false, reason: 'malformed' });
    expect(s.verify(`${token}x`)).toEqual({ ok: false, reason: 'malformed' });
    // Knowing the secret (every agent sees it in its own token) does not give another run's id.
    const guessed = `${token.slice(0, 29)}${'A'.repeat(24)}`;
    expect(s.verify(guessed)).toEqual({ ok: false, reason: 'invalid' });
    // A token of another runtime process (another secret) is worthless here.
    const other = service(undefined, 'B'.repeat(24)).s.issue(claims);
    expect(s.verify(other)).toEqual({ ok: false, reason: 'invalid' });
    expect(secrets[0]).not.toBe('B'.repeat(24));
  });

  it('expires, caps the lifetime, and forgets expired tokens after a while', () => {
    const { s, now } = service();
    const token = s.issue(claims, 5_000);
    now.t += 4_999;
    expect(s.verify(token).ok).toBe(true);
    now.t += 1;
    expect(s.verify(token)).toEqual({ ok: false, reason: 'expired' });
    const long = s.issue(claims, 10 * MAX_TTL_MS);
    const verified = s.verify(long);
    expect(verified.ok && verified.claims.expiresAt).toBe(now.t + MAX_TTL_MS);
    expect(s.size()).toBe(2);
    now.t += EXPIRED_MEMORY_MS;
    expect(s.size()).toBe(1);
    expect(s.verify(token)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('revokes a token early', () => {
    const { s } = service();
    const a = s.issue(claims);
    const b = s.issue(claims);
    s.revoke(a);
    s.revoke('garbage');
    expect(s.verify(a)).toEqual({ ok: false, reason: 'revoked' });
    expect(s.verify(b).ok).toBe(true);
  });
});
