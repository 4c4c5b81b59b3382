import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/ports/gateway.ts';
import { BackendError } from '../../core/ports/backend.ts';
import { classifyFailure } from './failures.ts';

const http = (status: number, message = `HTTP ${status}`) => new GatewayError('http', message, { status });

describe('classifyFailure (docs/delivery.md failure table)', () => {
  it.each([
    ['unreachable', new GatewayError('unreachable', 'ECONNREFUSED'), 'outage'],
    ['cancelled', new GatewayError('aborted', 'cancelled'), 'outage'],
    ['401', http(401), 'outage'],
    ['403', http(403), 'outage'],
    ['500 failed run', new GatewayError('failed', 'internal error', { status: 500 }), 'answered'],
    ['502', http(502), 'answered'],
    ['408', http(408), 'answered'],
    ['429', http(429), 'answered'],
    ['timeout', new GatewayError('timeout', 'deadline'), 'answered'],
    ['incomplete', new GatewayError('incomplete', 'max tokens'), 'answered'],
    ['400 unknown agent', http(400, "gateway returned HTTP 400: Unknown agent 'zed'."), 'answered'],
    ['404 unknown agent', http(404, 'Unknown agent zed'), 'answered'],
    ['400 other', http(400, 'input: Invalid input'), 'permanent'],
    ['422', http(422), 'permanent'],
    ['invalid_request', new GatewayError('invalid_request', 'session key names another agent'), 'permanent'],
    ['backend timeout', new BackendError('timeout', 'createMessageFromAgent', 'timed out'), 'outage'],
    ['backend refused', new BackendError('rejected', 'createMessageFromAgent', 'bad'), 'answered'],
  ] as const)('%s → %s', (_name, err, failure) => {
    expect(classifyFailure(err).failure).toBe(failure);
  });

  it('marks an unknown agent so agent sync can be asked', () => {
    expect(classifyFailure(http(400, "Unknown agent 'zed'.")).unknownAgent).toBe(true);
    expect(classifyFailure(http(400, 'input: Invalid input')).unknownAgent).toBeUndefined();
  });
});
