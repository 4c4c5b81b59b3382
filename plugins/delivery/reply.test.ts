import { describe, expect, it } from 'vitest';
import { classifyReply, isHeartbeatOk } from './reply.ts';
import { backoffDelay } from './backoff.ts';

const opts = { silentToken: 'NOTHING_TO_ADD', mayDecline: true };

describe('classifyReply', () => {
  it('posts ordinary text, including a one-word "NO"', () => {
    expect(classifyReply('  Done, see PR #12.  ', opts)).toEqual({ kind: 'reply', text: 'Done, see PR #12.' });
    expect(classifyReply('NO', opts)).toEqual({ kind: 'reply', text: 'NO' });
  });
  it('treats empty text as no response', () => {
    expect(classifyReply(null, opts)).toEqual({ kind: 'no_response', reason: 'empty' });
    expect(classifyReply('   ', opts)).toEqual({ kind: 'no_response', reason: 'empty' });
  });
  it('treats our token and a stray NO_REPLY as declining, where declining is allowed', () => {
    expect(classifyReply('NOTHING_TO_ADD', opts)).toEqual({ kind: 'declined' });
    expect(classifyReply('no_reply', opts)).toEqual({ kind: 'declined' });
    expect(classifyReply('NOTHING_TO_ADD', { ...opts, mayDecline: false })).toEqual({ kind: 'no_response', reason: 'declined where a reply is required' });
  });
  it('recognises placeholders, with leading mentions', () => {
    expect(classifyReply('@orion No response from OpenClaw.', opts)).toEqual({ kind: 'no_response', reason: 'placeholder' });
  });
  it('recognises HEARTBEAT_OK alone or after loading lines only', () => {
    expect(isHeartbeatOk('HEARTBEAT_OK')).toBe(true);
    expect(isHeartbeatOk('Loading context for heartbeat...\nHEARTBEAT_OK')).toBe(true);
    expect(isHeartbeatOk('I fixed the bug.\nHEARTBEAT_OK')).toBe(false);
    expect(classifyReply('HEARTBEAT_OK', opts)).toEqual({ kind: 'heartbeat_ok' });
  });
});

describe('backoffDelay', () => {
  it('grows exponentially, stays within [step/2, step] and is capped', () => {
    expect(backoffDelay(1, 1000, 60_000, () => 0)).toBe(500);
    expect(backoffDelay(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(backoffDelay(4, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoffDelay(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoffDelay(20, 1000, 60_000, () => 0)).toBe(30_000);
  });
});
