import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/ports/gateway.ts';
import { RESERVED_PREFIXES, agentOfGatewayKey, parseBackendSessionKey, toGatewaySessionKey } from './session-keys.ts';

describe('toGatewaySessionKey', () => {
  it('maps a task key onto an agent-prefixed key keeping every part', () => {
    expect(toGatewaySessionKey('task:k57abc:agent:alpha:acc123:v2', 'alpha')).toBe('agent:alpha:task:k57abc:acc123:v2');
  });

  it('maps a system key onto an agent-prefixed key', () => {
    expect(toGatewaySessionKey('system:agent:beta:acc123:v1', 'beta')).toBe('agent:beta:system:acc123:v1');
  });

  it('passes agent-prefixed keys through unchanged', () => {
    expect(toGatewaySessionKey('agent:alpha:acct-final', 'alpha')).toBe('agent:alpha:acct-final');
  });

  it('wraps unknown key shapes under the agent, never producing reserved namespaces', () => {
    for (const prefix of RESERVED_PREFIXES) {
      const mapped = toGatewaySessionKey(`${prefix}job-1`, 'alpha');
      expect(mapped).toBe(`agent:alpha:ext:${prefix}job-1`);
      for (const p of RESERVED_PREFIXES) expect(mapped.startsWith(p)).toBe(false);
    }
    expect(toGatewaySessionKey('acct-e6', 'alpha')).toBe('agent:alpha:ext:acct-e6');
  });

  it('keeps distinct backend keys distinct and equal keys equal', () => {
    const keys = [
      'task:t1:agent:alpha:acc:v1',
      'task:t1:agent:alpha:acc:v2',
      'task:t2:agent:alpha:acc:v1',
      'system:agent:alpha:acc:v1',
      'system:agent:alpha:acc2:v1',
      'agent:alpha:task:t1:acc:v1x',
    ];
    const mapped = keys.map((k) => toGatewaySessionKey(k, 'alpha'));
    expect(new Set(mapped).size).toBe(keys.length);
    expect(toGatewaySessionKey(keys[0], 'alpha')).toBe(mapped[0]);
    for (const m of mapped) expect(agentOfGatewayKey(m)).toBe('alpha');
  });

  it('refuses a key that belongs to another agent instead of routing it there', () => {
    for (const key of ['task:t1:agent:beta:acc:v1', 'system:agent:beta:acc:v1', 'agent:beta:x']) {
      const err = catchError(() => toGatewaySessionKey(key, 'alpha'));
      expect(err).toBeInstanceOf(GatewayError);
      expect(err.kind).toBe('invalid_request');
      expect(err.permanent).toBe(true);
      expect(err.answered).toBe(false);
    }
  });

  it('refuses invalid slugs and unsafe keys', () => {
    expect(catchError(() => toGatewaySessionKey('system:agent:a:b:c:acc:v1', 'a:b')).kind).toBe('invalid_request');
    expect(catchError(() => toGatewaySessionKey('k', 'al pha')).kind).toBe('invalid_request');
    expect(catchError(() => toGatewaySessionKey('', 'alpha')).kind).toBe('invalid_request');
    expect(catchError(() => toGatewaySessionKey('a\nb', 'alpha')).kind).toBe('invalid_request');
    expect(catchError(() => toGatewaySessionKey('x'.repeat(600), 'alpha')).kind).toBe('invalid_request');
  });
});

describe('parseBackendSessionKey', () => {
  it('recognises the backend forms', () => {
    expect(parseBackendSessionKey('task:t9:agent:qa-bot:acc:v12')).toEqual({ kind: 'task', taskId: 't9', agentSlug: 'qa-bot', accountId: 'acc', generation: 12 });
    expect(parseBackendSessionKey('system:agent:qa-bot:acc:v3')).toEqual({ kind: 'system', agentSlug: 'qa-bot', accountId: 'acc', generation: 3 });
    expect(parseBackendSessionKey('whatever')).toEqual({ kind: 'other', key: 'whatever' });
  });
});

function catchError(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    return err as GatewayError;
  }
  throw new Error('expected a throw');
}
