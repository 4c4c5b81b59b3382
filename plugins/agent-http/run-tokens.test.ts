import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deriveCapabilities } from '../../core/tools/capabilities.ts';
import { createRunTokenService, MAX_TTL_MS } from './run-tokens.ts';

const capabilities = deriveCapabilities({ agentId: 'a1', flags: {}, orchestratorAgentId: 'o1', task: { status: 'in_progress' } });
const claims = { agentId: 'a1', agentSlug: 'engineer', taskId: 't1', notificationId: 'n1', capabilities };

function service(now = { t: 1_000_000 }, key?: Buffer) {
  const issued: string[] = [];
  const s = createRunTokenService({ now: () => now.t, defaultTtlMs: 60_000, onIssue: (t) => issued.push(t), key });
  return { s, now, issued };
}

describe('run tokens', () => {
  it('round-trips the claims and reports every issued token (for log redaction)', () => {
    const { s, issued } = service();
    const token = s.issue(claims);
    expect(token).toMatch(/^mcrt\.[\w-]+\.[\w-]+$/);
    expect(issued).toEqual([token]);
    expect(s.verify(token)).toEqual({ ok: true, claims: { ...claims, expiresAt: 1_060_000 } });
  });

  it('refuses missing, malformed, forged and foreign tokens', () => {
    const { s } = service();
    const token = s.issue(claims);
    expect(s.verify(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(s.verify('')).toEqual({ ok: false, reason: 'missing' });
    expect(s.verify('Bearer x')).toEqual({ ok: false, reason: 'malformed' });
    expect(s.verify('x'.repeat(5000))).toEqual({ ok: false, reason: 'malformed' });
    // Claims edited to another agent, signature kept: refused.
    const [prefix, body, sig] = token.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = `${prefix}.${Buffer.from(JSON.stringify({ ...payload, agentId: 'o1', capabilities: { ...payload.capabilities, isOrchestrator: true } })).toString('base64url')}.${sig}`;
    expect(s.verify(forged)).toEqual({ ok: false, reason: 'invalid' });
    expect(s.verify(`${prefix}.${body}.${sig.slice(0, -2)}`)).toEqual({ ok: false, reason: 'invalid' });
    // A token of another runtime process (another key) is worthless here.
    const other = service(undefined, randomBytes(32)).s.issue(claims);
    expect(s.verify(other)).toEqual({ ok: false, reason: 'invalid' });
  });

  it('expires, and caps the lifetime', () => {
    const { s, now } = service();
    const token = s.issue(claims, 5_000);
    now.t += 4_999;
    expect(s.verify(token).ok).toBe(true);
    now.t += 1;
    expect(s.verify(token)).toEqual({ ok: false, reason: 'expired' });
    const long = s.issue(claims, 10 * MAX_TTL_MS);
    const verified = s.verify(long);
    expect(verified.ok && verified.claims.expiresAt).toBe(now.t + MAX_TTL_MS);
  });

  it('revokes a token early and forgets revocations once they would have expired anyway', () => {
    const { s, now } = service();
    const a = s.issue(claims);
    const b = s.issue(claims);
    s.revoke(a);
    s.revoke('garbage');
    expect(s.verify(a)).toEqual({ ok: false, reason: 'revoked' });
    expect(s.verify(b).ok).toBe(true);
    expect(s.revokedCount()).toBe(1);
    now.t += 60_000;
    expect(s.revokedCount()).toBe(0);
  });
});
